// The GraphQL context: who is calling and the services resolvers delegate to.
import type { Viewer } from './auth/auth-service.js';
import type { Cancellation } from './cancellation.js';
import type { Services } from './services.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  services: Services;
  /** The caller's address, for per-client limits (login throttling). */
  clientIp: string;
  /** The client going away (HTTP request closed, socket closed). */
  cancel?: Cancellation;
}
