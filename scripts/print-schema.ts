// Writes schema.graphql from the code-first Pothos schema (`npm run schema:print`).
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

writeFileSync('schema.graphql', printSchema(schema) + '\n');
console.log('wrote schema.graphql');
