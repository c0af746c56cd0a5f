/**
 * Prompt similarity without any network: sparse vectors of word unigrams, word bigrams and
 * character trigrams (after synonym folding), compared with cosine. An embeddings provider can be
 * plugged in instead through `EmbedFn`. Pair search is sub-quadratic: exact prefix filtering for
 * the sparse vectors, random-hyperplane LSH for dense embeddings; exact cosine on candidates only.
 */

import { MAX_PAIR_COMPARISONS, MAX_SIMILARITY_PAIRS, pairLimitError } from './limits.js';
import guardData from './meaning-guards.json' with { type: 'json' };
import { blockedBy, guardKeysOf, type GuardName } from './meaning-guards.js';

/** Embeddings provider: one vector per text, same order. */
export type EmbedFn = (texts: string[]) => Promise<number[][]>;

/** Sparse L2-normalised vector: feature -> weight. */
export type SparseVector = Map<string, number>;

export interface LocalSimilarity {
  vectorize(text: string): SparseVector;
  /** Cosine similarity in [0, 1]. */
  similarity(a: string, b: string): number;
}

export interface SimilarPair {
  i: number;
  j: number;
  score: number;
}

/** How much work the pair search did (exact similarity computations vs n*(n-1)/2). */
export interface PairSearchStats {
  items: number;
  comparisons: number;
  method: 'prefix-filter' | 'lsh' | 'exhaustive';
}

export interface SimilarityMatch {
  prompt1Index: number;
  prompt2Index: number;
  /** The similarity; 0 for a pair a meaning guard blocked (below any threshold). */
  similarityScore: number;
  isMatch: boolean;
  /** The guards the two prompts differ on (meaning-guards.ts); empty for a match. */
  blockedBy: GuardName[];
  /** The similarity before the guards were applied. */
  scoreBeforeGuards: number;
}

// ---------------------------------------------------------------- features

/** canonical -> surface forms (accents are stripped before lookup). */
const SYNONYMS: Record<string, string[]> = {
  write: ['write', 'writes', 'writing', 'wrote', 'written', 'generate', 'generates', 'generating', 'generated', 'create', 'creates', 'creating', 'created', 'produce', 'produces', 'producing', 'make', 'makes', 'making', 'compose', 'composes', 'composing', 'escribe', 'escribir', 'escribeme', 'genera', 'generar', 'generame', 'crea', 'crear', 'creame', 'haz', 'hacer', 'hazme', 'producir', 'redacta', 'redactar'],
  explain: ['explain', 'explains', 'explaining', 'explanation', 'describe', 'describes', 'describing', 'description', 'explica', 'explicar', 'explicame', 'explicacion', 'describir', 'describeme', 'descripcion'],
  fix: ['fix', 'fixes', 'fixing', 'repair', 'repairs', 'debug', 'debugging', 'corrige', 'corregir', 'arregla', 'arreglar', 'repara', 'reparar', 'depura', 'depurar'],
  function: ['function', 'functions', 'method', 'methods', 'func', 'funcion', 'funciones', 'metodo', 'metodos'],
  list: ['list', 'lists', 'array', 'arrays', 'lista', 'listas', 'arreglo', 'arreglos'],
  code: ['code', 'codigo', 'snippet'],
  translate: ['translate', 'translates', 'translation', 'traduce', 'traducir', 'traduccion'],
  summarize: ['summarize', 'summarise', 'summarizes', 'summarises', 'summarizing', 'summarising', 'summary', 'resumir', 'resume', 'resumeme', 'resumen'],
  error: ['error', 'errors', 'bug', 'bugs', 'errores'],
  class: ['class', 'classes', 'clase', 'clases'],
  sort: ['sort', 'sorts', 'sorting', 'sorted', 'ordena', 'ordenar', 'ordename'],
  delete: ['delete', 'deletes', 'deleting', 'remove', 'removes', 'removing', 'erase', 'borra', 'borrar', 'elimina', 'eliminar'],
  show: ['show', 'shows', 'display', 'displays', 'print', 'prints', 'muestra', 'mostrar', 'muestrame', 'imprime', 'imprimir'],
  file: ['file', 'files', 'archivo', 'archivos', 'fichero', 'ficheros'],
  reverse: ['reverse', 'reverses', 'reversing', 'invert', 'inverts', 'invierte', 'invertir'],
  list_out: ['enumerate', 'enumera', 'enumerar', 'lista', 'listar'],
};
const CANONICAL = new Map(Object.entries(SYNONYMS).flatMap(([canonical, forms]) => forms.map((form) => [form, canonical] as const)));
// Number words count as their digits ("three bullet points" = "3 bullet points").
const NUMBER_WORDS = new Map(Object.entries(guardData.number_words).flatMap(([digits, forms]) => forms.map((form) => [form, digits] as const)));

/** Words that say nothing about what is asked: articles, pronouns, politeness, request scaffolding. */
const STOPWORDS = new Set([
  'a', 'an', 'the', 'of', 'to', 'in', 'for', 'on', 'at', 'by', 'with', 'and', 'or', 'is', 'are', 'be', 'am', 'was', 'me', 'my', 'i', 'im', 'id', 'ive',
  'you', 'your', 'we', 'us', 'our', 'it', 'its', 'this', 'that', 'these', 'those', 'there', 'here', 'please', 'pls', 'can', 'could', 'would', 'will',
  'shall', 'should', 'some', 'do', 'does', 'how', 'what', 'whats', 'way', 'hi', 'hello', 'hey', 'thanks', 'thank', 'thx', 'kindly', 'so', 'also',
  'need', 'want', 'like', 'help', 'tell', 'give', 'get', 'let', 'know', 'possible', 'quick', 'question',
  'el', 'la', 'lo', 'los', 'las', 'un', 'una', 'unos', 'unas', 'de', 'del', 'al', 'en', 'para', 'por', 'con', 'y', 'e', 'o', 'u', 'que', 'es',
  'son', 'mi', 'mis', 'me', 'te', 'se', 'le', 'les', 'nos', 'tu', 'su', 'sus', 'este', 'esta', 'esto', 'estos', 'estas', 'ese', 'esa', 'eso',
  'favor', 'hola', 'buenas', 'gracias', 'podrias', 'puedes', 'podria', 'puede', 'quiero', 'quisiera', 'necesito', 'dime', 'dame', 'ayuda',
  'ayudame', 'como', 'cual', 'forma', 'manera', 'tambien', 'pregunta', 'rapida',
]);

// Mostly the words themselves: word order matters little, and what it would change the meaning
// guards check (a negation, a number, a name...).
const WEIGHTS = { unigram: 0.7, bigram: 0.1, trigram: 0.2 } as const;
const TRIGRAM_CHARS = 4_096;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const NON_ASCII = /[^\x00-\x7f]/;
const MARKS = /\p{M}/gu;

/** A rough singular: a final s dropped ("files" = "file", "frases" = "frase"); enough for matching. */
const singular = (word: string): string => (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);

/** Lower-cased words without accents, stopwords dropped, synonyms and number words folded (one pass). */
function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const [match] of text.matchAll(WORD)) {
    const plain = NON_ASCII.test(match) ? match.normalize('NFD').replace(MARKS, '') : match;
    if (plain === '') continue;
    const word = plain.toLowerCase();
    if (STOPWORDS.has(word)) continue;
    words.push(CANONICAL.get(word) ?? NUMBER_WORDS.get(word) ?? singular(word));
  }
  return words;
}

function countInto(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function featureGroups(words: string[]): Map<string, number>[] {
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const trigrams = new Map<string, number>();
  words.forEach((word, i) => {
    countInto(unigrams, `w:${word}`);
    if (i > 0) countInto(bigrams, `b:${words[i - 1]} ${word}`);
  });
  // Character trigrams make short prompts robust to inflections and typos; a long text has words
  // enough, so only its beginning is read for them (their cost is one map update per character).
  const joined = ` ${words.join(' ')} `.slice(0, TRIGRAM_CHARS);
  for (let i = 0; i + 3 <= joined.length && words.length > 0; i++) countInto(trigrams, `c:${joined.slice(i, i + 3)}`);
  return [unigrams, bigrams, trigrams];
}

/**
 * Each non-empty group is L2-normalised and scaled by sqrt(weight), so the cosine of two vectors
 * is the weighted sum of the per-group cosines (renormalised over the groups present).
 */
function vectorize(text: string): SparseVector {
  const groups = featureGroups(contentWords(text));
  const weights = [WEIGHTS.unigram, WEIGHTS.bigram, WEIGHTS.trigram];
  const present = groups.reduce((sum, group, g) => sum + (group.size > 0 ? weights[g]! : 0), 0);
  const vector: SparseVector = new Map();
  groups.forEach((group, g) => {
    const norm = Math.sqrt([...group.values()].reduce((sum, c) => sum + c * c, 0));
    const scale = Math.sqrt(weights[g]! / present) / norm;
    for (const [feature, count] of group) vector.set(feature, count * scale);
  });
  return vector;
}

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

export function cosineSparse(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [feature, weight] of small) dot += weight * (large.get(feature) ?? 0);
  return clamp01(dot);
}

function normalizeDense(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector.map(() => 0) : vector.map((x) => x / norm);
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * (b[k] ?? 0);
  return sum;
}

/** Cosine of two embeddings, clamped to [0, 1]. */
export function cosineDense(a: number[], b: number[]): number {
  return clamp01(dot(normalizeDense(a), normalizeDense(b)));
}

export function createLocalSimilarity(): LocalSimilarity {
  return {
    vectorize,
    similarity: (a, b) => cosineSparse(vectorize(a), vectorize(b)),
  };
}

// ---------------------------------------------------------------- pair search

/** A sparse vector as parallel arrays sorted by feature id (ids are assigned rarest first). */
interface PackedVector {
  ids: Int32Array;
  weights: Float64Array;
}

/** Numbers the features by ascending document frequency, so id order is the global rarity order. */
function pack(vectors: SparseVector[]): PackedVector[] {
  const frequency = new Map<string, number>();
  for (const vector of vectors) for (const feature of vector.keys()) countInto(frequency, feature);
  // A stable sort keeps ties in first-seen order, which is just as global as any other order.
  const ordered = [...frequency].sort((a, b) => a[1] - b[1]);
  const idOf = new Map(ordered.map(([feature], id) => [feature, id]));
  return vectors.map((vector) => {
    const entries = [...vector].map(([feature, weight]) => [idOf.get(feature)!, weight] as const).sort((a, b) => a[0] - b[0]);
    return { ids: Int32Array.from(entries, (e) => e[0]), weights: Float64Array.from(entries, (e) => e[1]) };
  });
}

function dotPacked(a: PackedVector, b: PackedVector): number {
  let sum = 0;
  for (let x = 0, y = 0; x < a.ids.length && y < b.ids.length;) {
    const diff = a.ids[x]! - b.ids[y]!;
    if (diff === 0) sum += a.weights[x++]! * b.weights[y++]!;
    else if (diff < 0) x++;
    else y++;
  }
  return clamp01(sum);
}

/** Length of the shortest prefix whose remaining suffix has squared norm < bound. */
function prefixLength({ weights }: PackedVector, bound: number): number {
  let suffix = weights.reduce((sum, w) => sum + w * w, 0);
  let length = 0;
  while (length < weights.length && suffix >= bound) suffix -= weights[length]! ** 2, length++;
  return length;
}

/**
 * Exact all-pairs search over sparse unit vectors by prefix filtering: features are ordered
 * rarest first; a vector is indexed (and probed) only by the shortest prefix whose remaining
 * suffix has norm < threshold. If cos(x, y) >= threshold their first common feature lies in both
 * prefixes (otherwise the dot product is bounded by the suffix norm), so no match is missed.
 */
function sparsePairs(vectors: SparseVector[], threshold: number, limits: PairLimits): { pairs: SimilarPair[]; comparisons: number } {
  const packed = pack(vectors);
  const bound = threshold * threshold * (1 - 1e-9);
  const index = new Map<number, number[]>();
  const lastSeen = new Int32Array(packed.length).fill(-1);
  const pairs: SimilarPair[] = [];
  let comparisons = 0;
  let visits = 0;
  packed.forEach((vector, i) => {
    const prefix = vector.ids.subarray(0, prefixLength(vector, bound));
    for (const feature of prefix) {
      for (const j of index.get(feature) ?? []) {
        // Every candidate visited counts towards the bound, compared or not.
        if (++visits > limits.maxComparisons) throw pairLimitError('comparisons', threshold, limits.maxComparisons);
        if (lastSeen[j] === i) continue;
        lastSeen[j] = i;
        comparisons++;
        const score = dotPacked(packed[j]!, vector);
        if (score >= threshold && pairs.push({ i: j, j: i, score }) > limits.maxPairs) throw pairLimitError('pairs', threshold, limits.maxPairs);
      }
    }
    for (const feature of prefix) {
      const posting = index.get(feature);
      if (posting) posting.push(i);
      else index.set(feature, [i]);
    }
  });
  return { pairs, comparisons };
}

/** Small deterministic PRNG (mulberry32) so LSH buckets are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * random());
}

const EXHAUSTIVE_LIMIT = 256;
const LSH_BANDS = 16;

/**
 * Random-hyperplane LSH for dense embeddings: `rows` sign bits per band, chosen so that a pair
 * at the threshold shares a band with high probability; exact cosine on bucket-mates only.
 */
function densePairs(vectors: number[][], threshold: number, limits: PairLimits): { pairs: SimilarPair[]; comparisons: number; method: PairSearchStats['method'] } {
  const unit = vectors.map(normalizeDense);
  const n = unit.length;
  const pairs: SimilarPair[] = [];
  let comparisons = 0;
  const check = (i: number, j: number) => {
    if (++comparisons > limits.maxComparisons) throw pairLimitError('comparisons', threshold, limits.maxComparisons);
    const score = clamp01(dot(unit[i]!, unit[j]!));
    if (score >= threshold && pairs.push({ i, j, score }) > limits.maxPairs) throw pairLimitError('pairs', threshold, limits.maxPairs);
  };
  if (n <= EXHAUSTIVE_LIMIT) {
    for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) check(i, j);
    return { pairs, comparisons, method: 'exhaustive' };
  }
  const agree = 1 - Math.acos(Math.min(1, threshold)) / Math.PI;
  const rows = Math.min(24, Math.max(4, Math.round(Math.log(0.15) / Math.log(agree))));
  const dims = unit[0]?.length ?? 0;
  const random = seededRandom(0x5eed);
  const planes = Array.from({ length: LSH_BANDS * rows }, () => Array.from({ length: dims }, () => gaussian(random)));
  const signatures = unit.map((vector) => planes.map((plane) => (dot(plane, vector) >= 0 ? '1' : '0')).join(''));
  const seen = new Set<number>();
  for (let band = 0; band < LSH_BANDS; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((signature, i) => {
      const key = signature.slice(band * rows, (band + 1) * rows);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let b = 1; b < bucket.length; b++) {
        for (let a = 0; a < b; a++) {
          const key = bucket[a]! * n + bucket[b]!;
          if (!seen.has(key)) {
            seen.add(key);
            check(bucket[a]!, bucket[b]!);
          }
        }
      }
    }
  }
  return { pairs, comparisons, method: 'lsh' };
}

/** Bounds of one pair search; past either, it stops with a 413 (see limits.ts). */
export interface PairLimits {
  maxPairs: number;
  maxComparisons: number;
}

const DEFAULT_PAIR_LIMITS: PairLimits = { maxPairs: MAX_SIMILARITY_PAIRS, maxComparisons: MAX_PAIR_COMPARISONS };

/**
 * All pairs (i < j) with similarity >= threshold, without comparing every pair.
 * With `embed`, cosine of the provider's embeddings is used instead of the local vectors.
 * The search stops with a 413 once it has found more than `limits.maxPairs` pairs or made more
 * than `limits.maxComparisons` comparisons, so neither its time nor its answer is unbounded.
 */
export async function findSimilarPairs(
  texts: string[],
  threshold: number,
  embed?: EmbedFn,
  limits: PairLimits = DEFAULT_PAIR_LIMITS,
): Promise<{ pairs: SimilarPair[]; stats: PairSearchStats }> {
  const t = Math.min(1, Math.max(Number.EPSILON, threshold));
  if (embed) {
    const vectors = texts.length > 0 ? await embed(texts) : [];
    if (vectors.length !== texts.length) throw new Error(`embed returned ${vectors.length} vectors for ${texts.length} texts`);
    const { pairs, comparisons, method } = densePairs(vectors, t, limits);
    return { pairs: sortPairs(pairs), stats: { items: texts.length, comparisons, method } };
  }
  const { pairs, comparisons } = sparsePairs(texts.map(vectorize), t, limits);
  return { pairs: sortPairs(pairs), stats: { items: texts.length, comparisons, method: 'prefix-filter' } };
}

function sortPairs(pairs: SimilarPair[]): SimilarPair[] {
  return pairs.sort((a, b) => a.i - b.i || a.j - b.j);
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** A similar pair after the meaning guards: blocked pairs keep their score only as scoreBeforeGuards. */
export interface GuardedPair extends SimilarPair {
  blockedBy: GuardName[];
}

/**
 * The pairs whose similarity reaches `threshold`, each checked by the meaning guards: a pair
 * that differs in a negation, a number, a name... is blocked (see meaning-guards.ts).
 */
export async function guardedPairs(texts: string[], threshold: number, embed?: EmbedFn, limits?: PairLimits): Promise<{ pairs: GuardedPair[]; stats: PairSearchStats }> {
  const { pairs, stats } = await findSimilarPairs(texts, threshold, embed, limits);
  const keys = guardKeysOf(texts);
  return { pairs: pairs.map((pair) => ({ ...pair, blockedBy: blockedBy(keys(pair.i), keys(pair.j)) })), stats };
}

/**
 * The pairs of prompts whose similarity reaches `threshold` (scores rounded to 2 decimals); a
 * pair the guards block is listed with score 0, isMatch false and the guards that blocked it.
 */
export async function similarityMatches(prompts: string[], threshold: number, embed?: EmbedFn): Promise<SimilarityMatch[]> {
  const { pairs } = await guardedPairs(prompts, threshold, embed);
  return pairs.map(({ i, j, score, blockedBy: guards }) => ({
    prompt1Index: i,
    prompt2Index: j,
    similarityScore: guards.length > 0 ? 0 : round2(score),
    isMatch: guards.length === 0,
    blockedBy: guards,
    scoreBeforeGuards: round2(score),
  }));
}
