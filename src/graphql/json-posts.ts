// GraphQL over POST takes JSON only. Yoga also parses form posts
// (application/x-www-form-urlencoded) and application/graphql bodies, which a web page on
// any origin can send with a signed-in browser's credentials and without a CORS preflight:
// they could run a mutation (clearCache) as the user. Mutations never run from a GET: Yoga
// refuses those itself (405). Uploads (multipart) are switched off in createYoga.
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors.js';

/** The request media types Yoga parses as JSON. */
const JSON_TYPES = new Set(['application/json', 'application/graphql+json']);

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function useJsonPosts(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const type = mediaType(request.headers.get('content-type'));
      if (JSON_TYPES.has(type)) return;
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `POST /graphql takes Content-Type: application/json${type ? `, not ${type}` : ''}`);
    },
  };
}
