import { builder } from './builder.js';

builder.queryField('health', (t) =>
  t.field({
    type: 'String',
    description: 'Always "ok" while the server is up (no token needed).',
    resolve: () => 'ok',
  }),
);
