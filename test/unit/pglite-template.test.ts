// The embedded database's install-time template: made once into its folder (never half-made),
// copied into a data folder only when that folder holds no database.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteTemplate, isPgliteDataDir, pgliteTemplateDir, seedFromTemplate } from '../../src/db/pglite-template.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'aigw-template-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What initdb leaves, as far as these functions look: PG_VERSION and some files. */
function fakeCluster(dir: string, marker: string): void {
  mkdirSync(path.join(dir, 'base'), { recursive: true });
  writeFileSync(path.join(dir, 'PG_VERSION'), '18\n');
  writeFileSync(path.join(dir, 'base', 'marker'), marker);
}

describe('pgliteTemplateDir', () => {
  it('names a folder per installed PGlite version under node_modules/.cache', () => {
    const version = (JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string }).version;
    expect(pgliteTemplateDir()).toBe(path.resolve('node_modules', '.cache', 'ai-gateway', `pglite-${version}`));
    expect(pgliteTemplateDir(scratch)).toBeUndefined();
  });
});

describe('seedFromTemplate', () => {
  const template = path.join(scratch, 'template');
  fakeCluster(template, 'from the template');

  it('copies the template into a missing or empty folder', () => {
    const missing = path.join(scratch, 'a', 'pglite');
    expect(seedFromTemplate(missing, template)).toBe(true);
    expect(readFileSync(path.join(missing, 'base', 'marker'), 'utf8')).toBe('from the template');

    const empty = path.join(scratch, 'b', 'pglite');
    mkdirSync(empty, { recursive: true });
    expect(seedFromTemplate(empty, template)).toBe(true);
    expect(isPgliteDataDir(empty)).toBe(true);
    expect(readdirSync(path.join(scratch, 'b'))).toEqual(['pglite']); // no staging folder left
  });

  it('never touches a folder that holds a database or anything else', () => {
    const existing = path.join(scratch, 'c', 'pglite');
    fakeCluster(existing, 'the user data');
    expect(seedFromTemplate(existing, template)).toBe(false);
    expect(readFileSync(path.join(existing, 'base', 'marker'), 'utf8')).toBe('the user data');

    const other = path.join(scratch, 'd', 'pglite');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'notes.txt'), 'mine');
    expect(seedFromTemplate(other, template)).toBe(false);
    expect(readdirSync(other)).toEqual(['notes.txt']);
    expect(readdirSync(path.join(scratch, 'd'))).toEqual(['pglite']);
  });

  it('does nothing without a complete template', () => {
    const target = path.join(scratch, 'e', 'pglite');
    expect(seedFromTemplate(target, undefined)).toBe(false);
    mkdirSync(path.join(scratch, 'half-made'));
    expect(seedFromTemplate(target, path.join(scratch, 'half-made'))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });
});

describe('createPgliteTemplate', () => {
  it('makes the template once, in a staging folder renamed into place', async () => {
    const template = path.join(scratch, 'cache', 'pglite-x');
    const opened: string[] = [];
    const open = async (dir: string) => {
      opened.push(dir);
      expect(dir).not.toBe(template);
      fakeCluster(dir, 'initdb');
    };
    expect(await createPgliteTemplate(open, template)).toBe('created');
    expect(isPgliteDataDir(template)).toBe(true);
    expect(await createPgliteTemplate(open, template)).toBe('present');
    expect(opened).toHaveLength(1);
    expect(readdirSync(path.join(scratch, 'cache'))).toEqual(['pglite-x']);
  });

  it('leaves nothing behind when initdb fails', async () => {
    const template = path.join(scratch, 'cache2', 'pglite-x');
    const failing = async (dir: string) => {
      writeFileSync(path.join(dir, 'PG_VERSION'), '18\n'); // initdb writes this first
      throw new Error('initdb failed');
    };
    await expect(createPgliteTemplate(failing, template)).rejects.toThrow('initdb failed');
    expect(readdirSync(path.join(scratch, 'cache2'))).toEqual([]);
    expect(await createPgliteTemplate(failing, undefined)).toBe('unavailable');
  });
});
