// Compiles src/ to dist/ (what `npm start` runs): one JavaScript file and source map
// per TypeScript file, the same layout, and every other file under src/ (JSON, the
// dashboard's page and scripts) copied beside them, so paths relative to a module
// hold in both trees. Transpile only: `npm run typecheck` checks the types.
//   node scripts/build.mjs              always builds
//   node scripts/build.mjs --if-stale   (before `npm start`) builds only when a file under src/
//                                       changed, appeared or went since the last build
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'dist');

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
const stampFile = path.join(outDir, '.build-stamp');

/** What the last build was made from: every file under src/ (and this script) with its mtime. */
function sourceStamp(files) {
  const hash = createHash('sha256');
  for (const f of [...files, fileURLToPath(import.meta.url)].sort()) hash.update(`${f}\0${statSync(f).mtimeMs}\n`);
  return hash.digest('hex');
}

// Every import stays an import of the file beside it: a relative `.ts` specifier (the generated
// Prisma client writes them) becomes `.js`; packages and Node built-ins are left to Node.
const keepImports = {
  name: 'keep-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const relative = args.path.startsWith('./') || args.path.startsWith('../');
      return { path: relative ? args.path.replace(/\.ts$/, '.js') : args.path, external: true };
    });
  },
};

async function build(files) {
  if (!existsSync(path.join(srcDir, 'generated', 'prisma', 'client.ts'))) {
    throw new Error('src/generated/prisma is missing: run `npm run prisma:generate` first');
  }
  const started = performance.now();
  const esbuild = await import('esbuild');
  rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: files.filter(isSource),
    outdir: outDir,
    outbase: srcDir,
    bundle: true,
    plugins: [keepImports],
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const f of files) {
    if (isSource(f)) continue;
    const to = path.join(outDir, path.relative(srcDir, f));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(f, to);
  }
  writeFileSync(stampFile, sourceStamp(files));
  return performance.now() - started;
}

const files = listFiles(srcDir);
if (process.argv.includes('--if-stale') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceStamp(files)) process.exit(0);
const ms = await build(files);
console.log(`built dist/ from src/ in ${Math.round(ms)} ms`);
