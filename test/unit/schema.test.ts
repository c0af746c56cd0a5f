import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';

describe('schema.graphql', () => {
  it('is the printed code-first schema (run `npm run schema:print` after changing src/schema)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(printSchema(schema) + '\n');
  });
});
