// Worker entry: TypeScript through tsx's public register API, then the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./text-paths-worker.ts');
