// The GraphQL context: who is calling and the services resolvers delegate to.
import type { Viewer } from './auth/auth-service.js';
import type { Services } from './services.js';

export interface GraphQLContext {
  viewer: Viewer | null;
  services: Services;
  /** Aborted when the client goes away (HTTP request closed, socket closed). */
  signal?: AbortSignal;
}
