// Generates typed documents for the GraphQL operations under test/graphql from
// the checked-in schema.graphql (`npm run codegen`). The tests import them.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  // ESM output: relative imports with .js extensions.
  emitLegacyCommonJSImports: false,
  documents: ['test/graphql/**/*.graphql'],
  generates: {
    'test/generated/': {
      preset: 'client',
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
