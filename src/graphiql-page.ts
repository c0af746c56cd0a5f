// GraphiQL's page as the gateway serves it: scripts, styles and editor workers inline, from the
// installed @graphql-yoga/render-graphiql, so it works with no internet (Yoga's own page loads
// them from a CDN). The module is several megabytes of text, so it is imported on the first request for
// the page; the page is kept for the options it was made with (the server's, fixed at start).
import type { GraphiQLOptions } from 'graphql-yoga';

let cached: { key: string; page: Promise<string> } | undefined;

export function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  if (cached?.key !== key) {
    const page = import('@graphql-yoga/render-graphiql').then((m) => m.renderGraphiQL(options));
    const entry = { key, page };
    // A failed import is not kept: the next request tries again.
    page.catch(() => {
      if (cached === entry) cached = undefined;
    });
    cached = entry;
  }
  return cached.page;
}
