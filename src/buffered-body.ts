// A body that is already whole in a stream's buffer, taken at once. A small HTTP message
// (a request to the gateway, a provider's answer) usually arrives in one packet and is
// parsed into the stream's buffer before anyone reads it; reading it there skips the
// data/end events and their ticks. Used by the request reader (src/rest/http-utils.ts)
// and by the providers' fetch (src/providers/upstream-fetch.ts); takeWhole is the check both
// make on a body whose message is not marked complete yet.
import type { Readable } from 'node:stream';

/**
 * The buffered bytes of `stream`, which the caller knows to be the whole body (its message
 * is complete, or every byte its Content-Length announced is there); null when the stream
 * is already being read another way. The stream then ends by itself when its message does.
 */
export function takeBuffered(stream: Readable): Buffer | null {
  if (stream.readableFlowing !== null || stream.destroyed) return null;
  const chunks: Buffer[] = [];
  for (let chunk: Buffer | null; (chunk = stream.read() as Buffer | null) !== null; ) chunks.push(chunk);
  stream.resume(); // nothing more can come
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * The body of `stream` when exactly `length` bytes (its Content-Length) are buffered: the
 * whole of it is there although its message may not be marked complete yet. Null otherwise
 * (unknown or zero length, bytes still arriving, or the stream already being read).
 */
export function takeWhole(stream: Readable, length: number): Buffer | null {
  return length > 0 && stream.readableLength === length ? takeBuffered(stream) : null;
}
