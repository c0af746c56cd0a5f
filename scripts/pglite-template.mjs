// Part of `npm install`: runs the embedded database's initdb once, into a template folder
// that a first start copies (src/db/pglite-template.ts). Never fails the install: without the
// template a first start runs initdb itself.
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_OPTIONS } from '../dist/db/database.js';
import { createPgliteTemplate, pgliteTemplateDir } from '../dist/db/pglite-template.js';

const started = performance.now();
try {
  const result = await createPgliteTemplate(async (dir) => {
    const db = await PGlite.create(dir, PGLITE_OPTIONS);
    await db.close();
  }, pgliteTemplateDir());
  if (result === 'created') console.log(`embedded database template created in ${Math.round(performance.now() - started)} ms: ${pgliteTemplateDir()}`);
} catch (e) {
  console.warn(`embedded database template not created (a first start will run initdb): ${e instanceof Error ? e.message : String(e)}`);
}
