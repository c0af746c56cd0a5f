// Hostile texts of a given size for the text-path tests: long runs that make quadratic
// algorithms and backtracking regular expressions show themselves.

/** `unit` repeated until the text is `size` characters long. */
const repeat = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

export const ADVERSARIAL_INPUTS: Record<string, (size: number) => string> = {
  'one repeated character': (n) => 'a'.repeat(n),
  'repeated words': (n) => repeat('word ', n),
  'repeated capitalised words': (n) => repeat('Word ', n),
  'repeated polite phrases': (n) => repeat('Could you please, in order to help me, kindly thanks in advance! ', n),
  'repeated Spanish phrases': (n) => repeat('¿Podrías explicarme, por favor, en caso de que sea posible? Gracias. ', n),
  'nested brackets': (n) => '('.repeat(n / 4) + '{[<'.repeat(n / 12) + '>]}'.repeat(n / 12) + ')'.repeat(n / 4),
  'one long line without spaces': (n) => repeat('abc.def_Ghi-jkl/mno?p=1&q=a@b.c$x(y)`z`"q"\'r\'', n),
  'mixed unicode': (n) => repeat('ñandú é\u0301 中文字符 😀👍🏽 Ωμέγα العربية עברית \u200b\u00a0x ', n),
  'blank runs': (n) => `a${' '.repeat(n / 2)}b${'\t \n'.repeat(n / 6)}c`,
  'punctuation runs': (n) => repeat('.', n / 2) + repeat('!?,;:', n / 2),
  'quotes and code marks': (n) => repeat('"\'`«“', n),
  'numbers and units': (n) => repeat('1.2.3,4:5/6-7 10ms 5 GB $3 ', n),
  'markers and private-use characters': (n) => repeat('\u0001\u0002\uE000\uE100\uE001 ', n),
};

/** The words the rule tables are written with, in the order they appear. */
async function ruleVocabulary(): Promise<string[]> {
  const { RULE_TABLES } = await import('./regex-families.js');
  const sources = Object.values(RULE_TABLES).flatMap((rules) => rules.map((rule) => rule.pattern.source));
  return sources.flatMap((source) => source.replace(/\\[a-z]\{[^}]*\}|\\[a-zA-Z]|\[[^\]]*\]/g, ' ').match(/[\p{L}'’]{2,}/gu) ?? []);
}
const vocabulary = await ruleVocabulary();

/** Inputs made of the rules' own words: what makes a phrase rule try hardest at every position. */
export const FAMILY_INPUTS: Record<string, (size: number) => string> = {
  'the rules’ words': (n) => repeat(`${vocabulary.join(' ')} `, n),
  'the rules’ words, capitalised, with commas': (n) => repeat(`${vocabulary.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(', ')} `, n),
  'the rules’ words between long blank runs': (n) => repeat(`${vocabulary.join(`${' '.repeat(40)}\n`)} `, n),
  'the rules’ words, each pair a sentence': (n) => repeat(vocabulary.map((w, i) => (i % 2 ? `${w}.` : w)).join(' '), n),
};
