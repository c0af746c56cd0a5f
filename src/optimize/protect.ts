import { isSentenceStart } from './text.js';

/**
 * Masking of spans that the optimizer must never alter. Each protected span is replaced by a
 * placeholder made of private-use characters (never letters, digits, spaces or punctuation), so
 * no rule can match inside it or across it. Identical spans share one placeholder, which keeps
 * repeated sentences comparable. `restore` puts the original text back.
 */

const OPEN = '\uE000';
const CLOSE = '\uE001';
/** Closes the placeholder of a span that ends a sentence ('"... music."'), see isSentenceStart. */
export const CLOSE_SENTENCE = '\uE002';
const DIGIT_BASE = 0xe100; // placeholder ids are written in base 256 with chars U+E100..U+E1FF
const PLACEHOLDER = /\uE000[\uE100-\uE1FF]+[\uE001\uE002]/g;
const ENDS_SENTENCE = /[.!?]["”»'’)]?$/;

interface Protector {
  kind: string;
  pattern: RegExp;
  /** Optional veto, e.g. capitalised words are names only when they do not start a sentence. */
  accept?: (text: string, index: number, match: string) => boolean;
}

const UNITS = [
  '%', '‰', 'ms', 's', 'sec', 'secs', 'seconds?', 'mins?', 'minutes?', 'h', 'hrs?', 'hours?', 'days?',
  'weeks?', 'months?', 'years?', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'kib', 'mib', 'gib', 'tib',
  'bytes?', 'bits?', 'px', 'pt', 'em', 'rem', 'vh', 'vw', 'dpi', 'fps', 'hz', 'khz', 'mhz', 'ghz',
  'k', 'm', 'km', 'cm', 'mm', 'kg', 'g', 'mg', 'lbs?', 'oz', 'ft', '°c', '°f', 'usd', 'eur', 'gbp',
  'mxn', 'euros?', 'dollars?', 'dólares', 'pesos?', 'tokens?', 'words?', 'characters?', 'chars',
  'lines?', 'items?', 'rows?', 'records?', 'requests?', 'users?', 'palabras?', 'caracteres',
  'líneas?', 'filas?', 'registros?', 'segundos?', 'minutos?', 'horas?', 'días?', 'semanas?',
  'meses', 'mes', 'años?', 'usuarios?', 'x', 'rpm', 'rps', 'qps', 'req/s', 'w', 'kw', 'v', 'mah',
  'gb/s', 'mb/s', 'cores?', 'núcleos?', 'threads?', 'hilos?', 'decimals?', 'decimales',
];
const NUMBER = String.raw`[$€£¥]?\d+(?:[.,:/-]\d+)*(?:[a-zA-Zµ°%]+)?`;
const NUMBER_WITH_UNIT = new RegExp(
  `(?<![\\p{L}\\d.,])${NUMBER}(?:\\s?(?:${UNITS.join('|')})(?![\\p{L}\\d]))?(?:\\s?[$€£¥])?`,
  'giu',
);

const I_PRONOUN = /^I(?:['’](?:m|d|ve|ll))?$/;

// Words by which a request points at the material it works on ("the text below", "this review",
// "el siguiente párrafo", "estos comentarios"): what comes after such a request is that material.
const MATERIAL_NOUNS_EN = 'text|message|e-?mail|paragraph|passage|review|reviews|note|notes|document|excerpt|article|abstract|transcript|list|data|table|log|logs|snippet|sentence|sentences|letter|post|comment|comments|feedback|signature|contract|clause|section|description|story|poem|essay|conversation|chat|thread|answer|response|report|summary|ticket|tickets|complaint|complaints|string|strings|input|content|page|offer|ad|bio|statement|lyrics|script|quote|tweet|reply|draft|memo|minutes';
const MATERIAL_NOUNS_ES = 'texto|mensaje|correo|e-?mail|párrafo|pasaje|reseña|reseñas|nota|notas|documento|fragmento|extracto|artículo|resumen|transcripción|lista|datos|tabla|log|frase|frases|carta|publicación|comentario|comentarios|opiniones|firma|contrato|cláusula|sección|descripción|historia|cuento|poema|ensayo|conversación|respuesta|informe|ticket|queja|quejas|cadena|cadenas|contenido|página|oferta|anuncio|ficha|declaración|guion|cita|tuit|borrador|acta';
const CLOSING_THANKS = '(?:¡?(?:many |muchas |mil )?(?:thanks|thank you|gracias|cheers|thx)\\b[^\\n]{0,60}$)';
const MATERIAL_REFERENCE =
  `(?<![\\p{L}])(?:below|following|as follows|underneath|(?:this|these|that|those)(?: \\p{L}+)? (?:${MATERIAL_NOUNS_EN})|abajo|siguientes?|a continuación|(?:este|esta|estos|estas|ese|esa|esos|esas)(?: \\p{L}+)? (?:${MATERIAL_NOUNS_ES})|(?:${MATERIAL_NOUNS_ES}) (?:que te (?:pego|paso|mando|adjunto)|(?:de )?abajo))(?![\\p{L}])`;

/** Ordered: earlier protectors win, later ones only see what is still unmasked. */
const PROTECTORS: Protector[] = [
  // The optimizer's own markers (text.ts) and placeholder characters, should the input hold any.
  { kind: 'reserved', pattern: /[\u0001\u0002\uE000-\uE1FF]+/g },
  // The material a request works on (a document, text to translate, a passage, data) comes after
  // the request: after a line that ends with a colon, after a short label at the start of a line
  // ("Context:", "Review:", "Fix the SQL:"), or as a block of short lines after a blank line.
  // It is the user's text, not the user's wording of the request: kept verbatim.
  // A lookbehind that ends in a blank run ([ \t]+) is tried only where a non-blank starts
  // ((?=\S) first): tried from every position of a long blank run, it would scan back over the
  // run each time (quadratic).
  { kind: 'payload', pattern: /(?<=:[ \t]*\n)[\s\S]+/g },
  { kind: 'payload', pattern: /(?=\S)(?<=(?:^|\n)[¿¡]?\p{L}[\p{L}\p{N} ]{0,40}:[ \t]+)\S[\s\S]*/gu },
  { kind: 'payload', pattern: /(?<=\n[ \t]*\n)(?:[^\n]{1,80}\n)+[^\n]{1,80}(?=\n|$)/g },
  // A paragraph after a blank line, when the paragraph before it points at material: however long
  // or short, it is that material ("Proofread the text below.\n\nPlease contact sales at ...").
  { kind: 'payload', pattern: new RegExp(`(?<=${MATERIAL_REFERENCE}[^\\n]{0,200}\\n[ \\t]*\\n)\\S[\\s\\S]*`, 'giu') },
  // The same inline: the request's sentence ends with the reference, the material follows it.
  // (A closing "Thanks!" right after it is the request's, not material.)
  { kind: 'payload', pattern: new RegExp(`(?=\\S)(?<=${MATERIAL_REFERENCE}[?.:!][ \\t]+)(?!${CLOSING_THANKS})\\S[\\s\\S]*`, 'giu') },
  { kind: 'fenced-code', pattern: /(`{3,}|~{3,})[\s\S]*?(?:\1|$)/g },
  { kind: 'indented-code', pattern: /(?<=(?:^|\n)[ \t]*\n|^)(?:(?: {4}|\t)[^\n]*(?:\n|$))+/g },
  { kind: 'inline-code', pattern: /`[^`\n]+`/g },
  { kind: 'url', pattern: /\b(?:https?|ftp|wss?):\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]]|\bwww\.[^\s<>"'`]*[^\s<>"'`.,;:!?)\]]/gi },
  // Each pattern that scans a run of word characters starts only where such a run starts (the
  // lookbehinds): tried from every position of a long run, it would be quadratic.
  { kind: 'email', pattern: /(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/g },
  { kind: 'quote', pattern: /"[^"\n]{1,500}"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|„[^“”\n]{1,500}[“”]|‘[^’\n]{1,500}’/g },
  { kind: 'quote', pattern: /(?<=^|[\s([{:=,])'(?=\S)[^'\n]{1,300}?(?<=\S)'(?=$|[\s.,;:!?)\]}])/g },
  { kind: 'markup', pattern: /\{\{[^}\n]{0,80}\}\}|\{[^{}\s][^{}\n]{0,80}\}|<\/?[A-Za-z][^<>\n]{0,80}>/g },
  { kind: 'path', pattern: /(?<![\w/])(?:~|\.{1,2})?\/[\w.@-]+(?:\/[\w.@-]+)*\/?|\b[A-Za-z]:\\[^\s]+/g },
  // Phone numbers as one span ("+1 415 555 0100", "(555) 010-4477", "+34 612 34 56 78").
  { kind: 'phone', pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){2,4}(?![\w.,]?\d)/g, accept: (_t, _i, match) => /^\+|^\(|[ .-]\d{2,4}[ .-]\d{2,4}[ .-]\d/.test(match) },
  { kind: 'number', pattern: NUMBER_WITH_UNIT },
  { kind: 'identifier', pattern: /(?<![\w$.])[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\([^()\n]{0,40}\)/g },
  { kind: 'identifier', pattern: /(?<![\w-])--?[A-Za-z][\w-]*/g },
  { kind: 'identifier', pattern: /(?<![\w])[@#][\w-]+/g },
  { kind: 'identifier', pattern: /(?<![\w-])[\w-]+(?:\.[\w-]+)+\b/g },
  { kind: 'identifier', pattern: /(?<![\w])_*[A-Za-z0-9]+(?:_+[A-Za-z0-9]+)+_*|\b[a-z]+[A-Z][\w]*|\b[A-Z][a-z0-9]+[A-Z][\w]*/g },
  {
    kind: 'name',
    pattern: /\p{Lu}[\p{L}\p{N}'’-]*/gu,
    accept: (text, index, match) => !I_PRONOUN.test(match) && !isSentenceStart(text, index),
  },
];

function encodeId(id: number, close: string): string {
  let digits = '';
  do {
    digits = String.fromCharCode(DIGIT_BASE + (id % 256)) + digits;
    id = Math.floor(id / 256);
  } while (id > 0);
  return OPEN + digits + close;
}

/** Holds the placeholder <-> original mapping for one optimization run. */
export class MaskTable {
  private readonly spans: string[] = [];
  private readonly ids = new Map<string, string>();

  /** Replaces every protected span of `text` with a placeholder. */
  mask(text: string): string {
    return PROTECTORS.reduce((current, protector) => this.maskWith(current, protector), text);
  }

  /** Puts the original spans back. */
  restore(text: string): string {
    // Spans never contain placeholders themselves, so one pass is enough.
    return text.replace(PLACEHOLDER, (placeholder) => this.spans[this.decode(placeholder)] ?? placeholder);
  }

  private maskWith(text: string, { pattern, accept }: Protector): string {
    return text.replace(pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const index = args.find((arg) => typeof arg === 'number') as number;
      if (match === '' || (accept && !accept(text, index, match))) return match;
      return this.placeholderFor(this.restore(match));
    });
  }

  private placeholderFor(span: string): string {
    let placeholder = this.ids.get(span);
    if (!placeholder) {
      placeholder = encodeId(this.spans.length, ENDS_SENTENCE.test(span) ? CLOSE_SENTENCE : CLOSE);
      this.spans.push(span);
      this.ids.set(span, placeholder);
    }
    return placeholder;
  }

  private decode(placeholder: string): number {
    let id = 0;
    for (const char of placeholder.slice(1, -1)) id = id * 256 + (char.charCodeAt(0) - DIGIT_BASE);
    return id;
  }
}

/** The distinct placeholders present in masked text. */
export function placeholdersOf(text: string): Set<string> {
  return new Set(text.match(PLACEHOLDER) ?? []);
}
