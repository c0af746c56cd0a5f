// The shared input rules (src/validators.ts), the analytics filters and their
// isolation rule (src/analytics/filters.ts), and the CSV cell encoder.
import { describe, expect, it } from 'vitest';
import { analyticsFilters, scopeToViewer, windowDays } from '../../src/analytics/filters.js';
import type { Viewer } from '../../src/auth/auth-service.js';
import { GatewayError } from '../../src/errors.js';
import { csvCell } from '../../src/rest/routes/analytics.js';
import { apiKeyName, hasControlCharacters, password, plainText, username, uuid } from '../../src/validators.js';

const ID = '0b7f3c4e-2a8d-4c1e-9f3a-5d6e7f8a9b0c';
const OTHER = '1c8a4d5f-3b9e-4d2f-8a4b-6e7f8a9b0c1d';

/** The error a call throws, as [status, code, details.field]. */
function failure(fn: () => unknown): [number, string, unknown] {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return [e.status, e.code, e.details?.field];
  }
  throw new Error('expected a GatewayError');
}

describe('validators', () => {
  it('takes ids only as UUIDs', () => {
    expect(uuid(ID, 'id')).toBe(ID);
    expect(uuid(ID.toUpperCase(), 'id')).toBe(ID.toUpperCase());
    for (const bad of ['not-a-uuid', '', `${ID}\u0000`, ` ${ID}`, `${ID}x`, 42, null, undefined, {}, "'; DROP TABLE users; --"]) {
      expect(failure(() => uuid(bad, 'user_id')), String(bad)).toEqual([400, 'VALIDATION_ERROR', 'user_id']);
    }
  });

  it('refuses control characters in names, and empty or overlong names', () => {
    expect(plainText('openai', 'provider', 100)).toBe('openai');
    expect(plainText('ünïcødé 名前 🚀', 'name', 100)).toBe('ünïcødé 名前 🚀');
    // The last four: bidirectional overrides and isolates, which make a name display as another.
    for (const bad of ['a\u0000b', 'a\nb', 'a\tb', 'a\u007fb', 'a\u0085b', '', 'x'.repeat(101), 5, null, 'admin\u202egnp.exe', 'a\u202ab', 'a\u2066b', 'a\u2069b']) {
      expect(failure(() => plainText(bad, 'provider', 100)), JSON.stringify(bad)).toEqual([400, 'VALIDATION_ERROR', 'provider']);
    }
    expect(hasControlCharacters('plain text')).toBe(false);
    expect(hasControlCharacters('bell\u0007')).toBe(true);
    // Right-to-left text itself is a name like any other; only the formatting controls are refused.
    expect(plainText('עברית العربية', 'name', 100)).toBe('עברית العربية');
  });

  it('applies the account rules: usernames and key names plain, passwords anything but NUL', () => {
    expect(username('admin')).toBe('admin');
    expect(failure(() => username('ad\u0000min'))).toEqual([400, 'VALIDATION_ERROR', 'username']);
    expect(password('tab\tis fine ñ')).toBe('tab\tis fine ñ');
    expect(failure(() => password('pass\u0000word'))).toEqual([400, 'VALIDATION_ERROR', 'password']);
    expect(failure(() => password('x'.repeat(1025)))).toEqual([400, 'VALIDATION_ERROR', 'password']);
    expect(failure(() => apiKeyName('key\u0000', 'name'))).toEqual([400, 'VALIDATION_ERROR', 'name']);
  });
});

describe('analytics filters', () => {
  it('checks every filter, naming fields as the caller spells them', () => {
    expect(analyticsFilters({ provider: 'openai', days: '30', userId: ID.toUpperCase() }, 'rest')).toEqual({ provider: 'openai', days: 30, userId: ID });
    expect(analyticsFilters({ provider: null, days: null, userId: null })).toEqual({});
    expect(failure(() => analyticsFilters({ userId: 'not-a-uuid' }, 'rest'))).toEqual([400, 'VALIDATION_ERROR', 'user_id']);
    expect(failure(() => analyticsFilters({ userId: 'not-a-uuid' }, 'graphql'))).toEqual([400, 'VALIDATION_ERROR', 'userId']);
    expect(failure(() => analyticsFilters({ provider: '' }))).toEqual([400, 'VALIDATION_ERROR', 'provider']);
    expect(failure(() => analyticsFilters({ provider: 'open\u0000ai' }))).toEqual([400, 'VALIDATION_ERROR', 'provider']);
  });

  it('takes windows of 1 to 365 whole days, as numbers or digits', () => {
    expect(windowDays(1)).toBe(1);
    expect(windowDays('365')).toBe(365);
    for (const bad of [0, 366, -1, 7.5, NaN, Infinity, '0', '366', '', ' 7', '7.5', '1e2', '-1', 'abc', '0x10', '9'.repeat(400), true, null]) {
      expect(failure(() => windowDays(bad)), String(bad)).toEqual([400, 'VALIDATION_ERROR', 'days']);
    }
  });

  it('lets admins see everyone and keeps anyone else to their own calls', () => {
    const admin: Viewer = { userId: ID, username: 'admin', role: 'admin', via: 'jwt' };
    const user: Viewer = { userId: OTHER, username: 'bob', role: 'user', via: 'jwt' };
    expect(scopeToViewer(admin, {})).toEqual({});
    expect(scopeToViewer(admin, { userId: OTHER, days: 7 })).toEqual({ userId: OTHER, days: 7 });
    expect(scopeToViewer(user, { provider: 'openai' })).toEqual({ provider: 'openai', userId: OTHER });
    expect(scopeToViewer(user, { userId: OTHER })).toEqual({ userId: OTHER });
    expect(failure(() => scopeToViewer(user, { userId: ID }, 'rest'))).toEqual([403, 'FORBIDDEN', 'user_id']);
  });
});

describe('CSV cells', () => {
  it('quotes every text cell and leaves numbers, booleans and nulls as they are', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(false)).toBe('false');
    expect(csvCell('openai')).toBe('"openai"');
    expect(csvCell('a"b')).toBe('"a""b"');
  });

  it('neutralises a formula start at the beginning of a cell and after any separator, quote or line break in it', () => {
    const cases: [string, string][] = [
      ['=cmd()', `"'=cmd()"`],
      ['+1', `"'+1"`],
      ['-2+3', `"'-2+3"`],
      ['@SUM(A1)', `"'@SUM(A1)"`],
      ['  =1+1', `"'  =1+1"`],
      ['\t=1', `"'\t'=1"`],
      ['\tplain', `"'\tplain"`],
      ['\rplain', `"'\rplain"`],
      ['ok,=HYPERLINK("http://x")', `"ok,'=HYPERLINK(""http://x"")"`],
      ['ok;=1+1', `"ok;'=1+1"`],
      ['ok;  -1', `"ok;'  -1"`],
      ['ok\t@x', `"ok\t'@x"`],
      ['line\n+1', `"line\n'+1"`],
      ['line\r\n=1', `"line\r\n'=1"`],
      ['say "=1"', `"say ""'=1"""`],
      ["it's '=1", `"it's ''=1"`],
      ['wide ,＝1', `"wide ,'＝1"`],
      ['a=b, c-d, e@f', `"a=b, c-d, e@f"`],
      ['gpt-4o', `"gpt-4o"`],
    ];
    for (const [text, cell] of cases) expect(csvCell(text), JSON.stringify(text)).toBe(cell);
  });

  it('leaves no cell fragment a spreadsheet would read as a formula, whatever it splits on', () => {
    const hostile = ['=1', 'x,=1', 'x;+1', 'x\t-1', 'x\n@1', 'x"=1', "x'=1", 'x, ;\t=1', 'x,,=1;;+2'];
    for (const text of hostile) {
      const cell = csvCell(text);
      // Split as a careless reader would (on every separator, ignoring quotes) and strip quotes and spaces.
      for (const fragment of cell.split(/[,;\t\r\n]/)) {
        expect(fragment.replace(/^["\s]+/, ''), `${JSON.stringify(text)} -> ${cell}`).not.toMatch(/^[=+\-@]/);
      }
    }
  });
});
