// The dashboard page in a real browser (Debian's chromium through
// playwright-core): sign in, watch the figures follow completions live, see the
// budget alert, and check the charts actually drew something.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the dashboard browser test: ${CHROMIUM} does not exist (apt-get install chromium)`);

const CHARTS = ['chart-daily-cost', 'chart-provider-calls', 'chart-provider-cost', 'chart-cache'];

/** Per canvas: how many pixels are painted and how many distinct colours they use. */
function canvasInk(page: Page) {
  return page.evaluate((ids) => ids.map((id) => {
    const canvas = document.getElementById(id) as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! === 0) continue;
      painted++;
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    return { id, painted, colours: colours.size };
  }), CHARTS);
}

describe.skipIf(!hasChromium)('analytics dashboard in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let token: string;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ backend: 'embedded', env: { DAILY_BUDGET_USD: '0.5' } });
    token = await t.adminToken();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in, follows completions live, shows the budget alert and draws the charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    await page.goto(`${t.url}/dashboard`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'wrong-password');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toBe('Invalid username or password');
    problems.length = 0; // the 401 of that sign-in is logged by the browser, as it should be

    await page.fill('#password', 'admin-password-for-tests');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#dashboard-view:not([hidden])');
    await expect.poll(() => page.textContent('#total-calls')).toBe('0');
    await expect.poll(() => page.textContent('#live-status'), { timeout: 10_000 }).toBe('live');

    // Three different prompts and one repeat (a cache hit), through the API.
    for (const prompt of ['first question', 'second question', 'third question', 'first question']) {
      const r = await t.request('POST', '/api/ai/local', { token, body: { prompt, max_tokens: 40 } });
      expect(r.status).toBe(200);
    }
    await expect.poll(() => page.textContent('#total-calls'), { timeout: 10_000 }).toBe('4');
    expect(await page.textContent('#cache-hit-rate')).toBe('25.0%');

    // A key in a team, both with budgets, listed in the keys/teams table.
    const team = (await t.request('POST', '/api/admin/teams', { token, body: { name: 'research', max_budget_usd_per_month: 3 } })).body;
    const key = (await t.request('POST', '/api/auth/api-keys', { token, body: { name: 'batch-service', team_id: team.id, max_budget_usd_total: 1.5 } })).body;

    // A priced call over the daily budget: the banner appears (no SMTP configured, so not e-mailed).
    t.app.services.recorder.record({
      apiKeyId: key.id, teamId: team.id,
      userId: null, provider: 'openai', model: 'gpt-4o', source: 'test', inputTokens: 1000, outputTokens: 500, costUsd: 0.75, listCostUsd: 0.75,
      costEstimated: false, latencyMs: 900, cached: false, optimized: true, tokensSaved: 120, streamed: false, status: 'success', errorCode: null,
    });
    await expect.poll(() => page.textContent('#total-calls'), { timeout: 10_000 }).toBe('5');
    await page.waitForSelector('#budget-alert:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#budget-alert')).toContain('Daily budget exceeded');
    expect(await page.textContent('#total-cost')).toBe('$0.75');
    expect(await page.textContent('#tokens-saved')).toBe('120');
    await expect.poll(() => page.textContent(`#spend-rows tr[data-id="${key.id}"] .budget-used`), { timeout: 10_000 }).toBe('50.0% (total)');
    expect(await page.$$eval(`#spend-rows tr[data-id="${team.id}"] td`, (tds) => tds.map((td) => td.textContent))).toEqual(['team', 'research', '$0.75', '$0.75', '$0.75', '1', '25.0% (month)']);

    // Every chart has drawn bars or slices, in more than one colour.
    await expect.poll(async () => (await canvasInk(page)).every((c) => c.painted > 500 && c.colours > 2), { timeout: 10_000 }).toBe(true);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
    const png = readFileSync('test-results/dashboard.png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000); // a blank page compresses to a few KB

    expect(problems).toEqual([]);
    await page.close();
  });
});
