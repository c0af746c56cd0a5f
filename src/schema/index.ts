// Imports each domain file (each registers its types and fields) and builds the schema.
import { builder } from './builder.js';
import './health.js';
import './auth.js';
import './governance.js';
import './completion.js';
import './providers.js';
import './cache.js';
import './analytics.js';
import './stream.js';
import './optimize.js';

export const schema = builder.toSchema({ sortSchema: true });

/** Root fields that need no token. */
export const PUBLIC_ROOT_FIELDS = new Set(['login', 'health', '__typename', '__schema', '__type']);
