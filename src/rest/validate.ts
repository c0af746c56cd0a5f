// The routes' body validation: the same rule as every other input (src/validators.ts).
export { parseBody } from '../validators.js';
