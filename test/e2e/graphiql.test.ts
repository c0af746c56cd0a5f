// GraphiQL in a real browser (Debian's chromium through playwright-core) with every request
// that would leave the machine refused: the page, its scripts, styles and editor workers all
// come from the gateway, the editor renders and a query typed into it runs.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the GraphiQL browser test: ${CHROMIUM} does not exist (apt-get install chromium)`);

describe.skipIf(!hasChromium)('GraphiQL with no internet', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'embedded' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('loads from the gateway alone, renders the editor and runs a query', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const gateway = new URL(t.url);
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === gateway.host || url.protocol === 'blob:' || url.protocol === 'data:') return route.continue();
      outside.push(url.href);
      return route.abort('internetdisconnected');
    });

    const res = await page.goto(`${t.url}/graphql`);
    expect(res?.status()).toBe(200);
    const editor = page.locator('.graphiql-query-editor .monaco-editor');
    await editor.waitFor({ timeout: 60_000 });

    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ health }');
    await page.click('.graphiql-execute-button');

    const expected = (await t.gql('{ health }')).body.data.health as string;
    expect(typeof expected).toBe('string');
    const response = page.locator('.graphiql-response .view-lines');
    await expect.poll(async () => ((await response.textContent()) ?? '').replace(/\s+/g, ''), { timeout: 30_000 })
      .toBe(`{"data":{"health":${JSON.stringify(expected)}}}`);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);
});
