// Generators of hostile input for the fuzz test (fast-check arbitraries): wrong
// types, huge and tiny numbers, NaN-like strings, NUL and control characters,
// long strings, deep nesting, unicode, SQL / HTML / path-traversal payloads. Sizes
// are bounded so that a run stays fast; deep values are serialised without recursion.
import fc from 'fast-check';

/** Plausible values too, so that requests also get past validation into the services. */
const PLAUSIBLE = [
  'local', 'openai', 'anthropic', 'gemini', 'cohere', 'huggingface', 'ollama', 'gpt-4o', 'claude-3-haiku', 'gemini-2.0-flash',
  'hello', 'What is a gateway?', 'admin', 'user', 'json', 'csv', 'fuzz-user', '00000000-0000-0000-0000-000000000000',
  '0b7f3c4e-2a8d-4c1e-9f3a-5d6e7f8a9b0c', 'system', 'assistant',
];

const PAYLOADS = [
  '', ' ', '\u0000', 'a\u0000b', '\u0000\u0000\u0000', '\u0007\u001b[31mred', '\r\n\r\nX-Injected: yes', 'tab\tand\nnewline', '\u007f\u0085\u009f',
  'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x1F', '1_000', '١٢٣', 'null', 'undefined', 'true', '[]', '{}', '9'.repeat(40),
  "'; DROP TABLE api_calls; --", "' OR '1'='1", '" OR ""="', '1; SELECT pg_sleep(10)', '$$; SELECT 1; $$', '\\', '%', '%00', '%E0%A4%A',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '{{7*7}}', '${jndi:ldap://x/a}', '__proto__', 'constructor', 'prototype',
  '../../../etc/passwd', '..\\..\\windows\\win.ini', '/..;/admin', '....//....//', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/',
  '../../../v1/admin/secret?x=', 'model:generateContent?key=x#', '=cmd|\' /C calc\'!A0', '@SUM(1+1)*cmd|x', '+1,=2;-3',
  '\u202eevil\u202c', '\ud800', '\udfff', 'e\u0301', '😀'.repeat(8), '𝕏𝕐ℤ', 'ǅǈǋ', 'İı', 'ß', '\uFEFF', '\u200b\u200c\u200d', '中文字符', 'עברית', 'العربية',
];

/** Strings: payloads, plausible values, random unicode and binary, and long ones (at most 16 KB). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...PAYLOADS), weight: 4 },
  { arbitrary: fc.constantFrom(...PLAUSIBLE), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
  {
    arbitrary: fc.tuple(fc.constantFrom('a', 'ab ', 'x'.repeat(7) + ' ', '(', '((((', 'é', '😀', 'the the ', '\u0000', '-'), fc.integer({ min: 200, max: 16_384 }))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    weight: 1,
  },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 7, 30, 365, 366, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e21, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A value nested `depth` levels deep, written out by toJson without recursion (100,000 levels overflow any recursive walk, JSON.stringify's too). */
export class Deep {
  constructor(readonly depth: number, readonly kind: 'object' | 'array') {}
}

export const deepValue: fc.Arbitrary<Deep> = fc
  .tuple(fc.constantFrom(20, 1_000, 10_000, 100_000), fc.constantFrom('object' as const, 'array' as const))
  .map(([depth, kind]) => new Deep(depth, kind));

/** Any JSON-ish value: scalars of every type, small arrays and objects, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: hostileString, weight: 5 },
    { arbitrary: hostileNumber, weight: 3 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.array(tie('value'), { maxLength: 12 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.oneof(hostileString.filter((s) => s.length < 64), fc.constantFrom('__proto__', 'constructor', 'role', 'content')), tie('value'), { maxKeys: 6 }), weight: 2 },
    { arbitrary: deepValue, weight: 2 },
  ),
})).value;

/** JSON text of a generated value (Deep markers become nested text; non-finite numbers become null). */
export function toJson(value: unknown): string {
  if (value instanceof Deep) {
    return value.kind === 'object' ? '{"a":'.repeat(value.depth) + 'null' + '}'.repeat(value.depth) : '['.repeat(value.depth) + ']'.repeat(value.depth);
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Long strings shortened, repeated text and deep nesting named, so a failure report says what was sent. */
function summarise(v: unknown, depth = 0): unknown {
  if (v instanceof Deep) return `<${v.kind} nested ${v.depth} deep>`;
  if (typeof v === 'string') {
    if (v.length <= 80) return v;
    const unit = v.slice(0, 8);
    return v === unit.repeat(v.length / unit.length) ? `<${JSON.stringify(unit)} × ${v.length / unit.length}>` : `${v.slice(0, 40)}…<${v.length} chars>`;
  }
  if (depth > 6) {
    let levels = 0;
    for (let x: unknown = v; x !== null && typeof x === 'object' && levels < 1_000_000; levels++) x = Object.values(x)[0];
    return levels ? `<nested ${levels} more levels>` : v;
  }
  if (Array.isArray(v)) return v.map((x) => summarise(x, depth + 1));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, summarise(x, depth + 1)]));
  return v;
}

/** A short, printable description of a generated case for failure reports (a JSON body is described parsed). */
export function describeCase(value: { method: string; path: string; headers: Record<string, string>; body?: string }, max = 1_500): string {
  let body: unknown = value.body;
  try {
    if (value.body !== undefined) body = { json: JSON.parse(value.body) as unknown };
  } catch {
    // not JSON: the text itself
  }
  const text = JSON.stringify(summarise({ ...value, path: value.path.length > 300 ? `${value.path.slice(0, 300)}…` : value.path, body }));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
