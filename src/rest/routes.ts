// Every REST route of the shim, by domain. Each handler calls the same service
// the GraphQL resolver calls.
import type { Route } from './router.js';
import { analyticsRoutes } from './routes/analytics.js';
import { authRoutes } from './routes/auth.js';
import { cacheRoutes } from './routes/cache.js';
import { optimizeRoutes } from './routes/optimize.js';
import { providerRoutes } from './routes/providers.js';
import { streamRoutes } from './routes/stream.js';
import { openaiRoutes } from '../compat/openai-chat.js';
import { anthropicRoutes } from '../compat/anthropic-messages.js';
import { responsesRoutes } from '../compat/openai-responses.js';

// The drop-in /v1 APIs (src/compat) are routes of the same table: the same auth and body
// limits, and they call the same Gateway as REST (src/compat/pipeline.ts).
export const restRoutes: Route[] = [...authRoutes, ...analyticsRoutes, ...cacheRoutes, ...streamRoutes, ...optimizeRoutes, ...providerRoutes, ...openaiRoutes, ...responsesRoutes, ...anthropicRoutes];
