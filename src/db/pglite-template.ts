// The embedded database's first start without initdb. PGlite runs initdb (several seconds and
// several hundred MiB) when its folder is empty. `npm install` runs it once into a template
// folder (scripts/pglite-template.mjs); a first start copies that folder, which takes a moment,
// and PGlite resumes it as it resumes any existing database. Without a template (deleted, or
// installed without scripts) PGlite runs initdb as before.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Where `npm install` leaves the template: per PGlite version, under the project's node_modules/.cache. */
export function pgliteTemplateDir(root = process.cwd()): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ? path.join(root, 'node_modules', '.cache', 'ai-gateway', `pglite-${pkg.version}`) : undefined;
  } catch {
    return undefined;
  }
}

/** A PostgreSQL data folder holds PG_VERSION once initdb has completed in it. */
export function isPgliteDataDir(dir: string): boolean {
  return existsSync(path.join(dir, 'PG_VERSION'));
}

/**
 * Copies `template` (pgliteTemplateDir()) into `dir` when `dir` holds no database yet. The copy
 * goes to a sibling folder first and is renamed into place, so no process ever sees half a
 * database; when another process got there first its copy stands. Returns whether this call put
 * the template in place.
 */
export function seedFromTemplate(dir: string, template: string | undefined): boolean {
  if (!template || isPgliteDataDir(dir) || !isPgliteDataDir(template)) return false;
  const staging = `${dir}.seeding-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(template, staging, { recursive: true });
  try {
    // An empty folder (made by hand, or by an earlier start that stopped before initdb) gives way.
    rmdirSync(dir);
  } catch {
    // missing, or not empty: then the rename below fails and PGlite deals with the folder as it is
  }
  try {
    renameSync(staging, dir);
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

/**
 * Runs initdb into `template` (pgliteTemplateDir()) unless it is there (npm install does this). `open`
 * creates and closes a PGlite in the folder it is given, with the options the gateway uses.
 */
export async function createPgliteTemplate(open: (dir: string) => Promise<void>, template: string | undefined): Promise<'created' | 'present' | 'unavailable'> {
  if (!template) return 'unavailable';
  if (isPgliteDataDir(template)) return 'present';
  const staging = `${template}.creating-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await open(staging);
    renameSync(staging, template);
    return 'created';
  } catch (e) {
    if (isPgliteDataDir(template)) return 'present';
    throw e;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
