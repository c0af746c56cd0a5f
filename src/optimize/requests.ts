import type { Rule } from './rules.js';
import { CLITIC, INFINITIVES, PRESENTS, SUBJUNCTIVES, imperativeFromPresent, imperativeFromSubjunctive } from './spanish-verbs.js';
import { CAP, WORD_END, WORD_START, phrase } from './text.js';

/**
 * Polite request wrappers rewritten as direct commands, in English and Spanish:
 * "Could you please explain X?" -> "Explain X.", "I would like you to write X" -> "Write X",
 * "¿Podrías explicarme X?" -> "Explicarme X.", "Me gustaría que revises X" -> "Revisa X".
 * Only verbs of spanish-verbs.ts are rewritten ("¿Podría haber un error?" is a question, not a request).
 */

const directCommand = (match: string): string => `Replace '${match.trim()}' with a direct command`;
const firstWords = (text: string, count: number): string => text.trim().split(/\s+/).slice(0, count).join(' ');

// Longest question body a request rule reads up to its "?" (bounded: each candidate start reads it).
const MAX_QUESTION = 400;
const ES_QUESTION = `(?:(me|te|nos) )?(?:podrías|podría|puedes|puede|pudieras|serías tan amable de|te importaría)(?: por favor,?)? (${INFINITIVES})(${CLITIC})?(?![\\p{L}])([^?\\n]{0,${MAX_QUESTION}})\\?`;

const questionAdvice = (m: string): string => directCommand(`${firstWords(m, 2)} ...?`);

/**
 * "¿Podrías corregir X?" -> "corregir X." The request's own words stay as written: only the
 * wrapper goes, and the infinitive reads as an instruction ("Corregir las faltas de ortografía").
 * Conjugating it ("corrige") would change the words a user wrote, and saves nothing.
 */
const spanishQuestion = (m: RegExpExecArray): string => `${m[2]!}${m[3] ?? ''}${m[4]!}.`;

/** "..., and I would like you to ..." starts a new sentence: "... . Help me ...". */
const JOINED = '(,? (?:and|so|y|así que) )?';
const newSentenceIf = (joined: string | undefined, text: string): string => (joined ? `.${CAP} ${text}` : text);

const ES_WISH = `(?:me gustaría|quisiera|necesito|quiero) que (?:(me|te|nos) )?(${SUBJUNCTIVES})${WORD_END}`;
const wishAdvice = (m: string): string => directCommand(firstWords(m.replace(/^[\s,]*(?:y|así que)\s+/, ''), 3));

/** "Me gustaría que me expliques X" -> "explícame X". */
const spanishWish = (m: RegExpExecArray): string => {
  const verb = imperativeFromSubjunctive(m[3]!, m[2]);
  return verb ? newSentenceIf(m[1], verb) : m[0];
};

const ES_WRAPPER = `(?:sería (?:genial|estupendo|ideal|perfecto|de gran ayuda) si (?:pudieras|puedes)|si (?:pudieras|puedes))(?: por favor,?)? (${INFINITIVES})(${CLITIC})?(?![\\p{L}])`;

/** "Sería genial si pudieras incluir X" -> "incluir X" (the infinitive as written, see spanishQuestion). */
const spanishWrapper = (m: RegExpExecArray): string => `${m[1]!}${m[2] ?? ''}`;

// "¿Me explicas X?" -> "Explícame X." (only as a question: "me explicas" is also a statement).
const ES_PRESENT_QUESTION = `¿(?:(me|te|nos) )?(${PRESENTS})(?![\\p{L}])([^?\\n]{0,${MAX_QUESTION}})\\?`;
const spanishPresentQuestion = (m: RegExpExecArray): string => {
  const verb = imperativeFromPresent(m[2]!, m[1]);
  return verb ? `${verb}${m[3]!}.` : m[0];
};
// "Quería pedirte ayuda para escribir X", "Quería preguntarte si me puedes ayudar a escribir X" -> "Escribe X".
const ES_ASK_FOR_HELP = `(?:(?:quer[ií]a|quisiera|me gustar[ií]a) pedirte (?:ayuda|que me ayudes) (?:para|a|con)|quer[ií]a preguntarte si (?:me )?(?:puedes|podr[ií]as) ayudar(?:me)? a) (${INFINITIVES})(${CLITIC})?(?![\\p{L}])`;

const EN_REQUEST = "(?:can|will) you (?:please|kindly)|(?:could|would) you(?: please| kindly| possibly)?|would you be so kind as to|would it be possible (?:for you )?to|is it possible for you to|do you think you could|i was wondering if you could(?: please| possibly)?";
const EN_WRAPPER = "i was wondering if you could(?: please| possibly)?|i was hoping (?:that )?you could(?: please)?|i would (?:really )?(?:like|love) (?:for )?you to|i'd (?:really )?(?:like|love) (?:for )?you to|i (?:want|need) you to|(?:i would|i'd) love it if you could|(?:i would|i'd) (?:really |truly )?appreciate it if you could|it would be (?:great|nice|awesome|helpful|amazing|wonderful) if you could(?: please)?|would you be so kind as to|could you kindly";

/** The question forms also turn "?" into ".". */
export const REQUEST_RULES: readonly Rule[] = [
  { id: 'request-question', pattern: phrase(`(?:${EN_REQUEST}) ([^?.!\\n]{1,${MAX_QUESTION}}?)\\s*\\?`), replace: '$1.', position: 'sentence-start', advice: (m) => directCommand(`${firstWords(m, 3)} ...?`) },
  // "I would like you to not use X" -> "Do not use X".
  { id: 'request-wrapper', pattern: phrase(`${JOINED}(?:${EN_WRAPPER}) (not )?`, false), replace: (m) => newSentenceIf(m[1], m[2] ? 'do not ' : ''), advice: directCommand },
  { id: 'request-prefix', pattern: phrase(EN_REQUEST), replace: '', position: 'sentence-start', advice: directCommand },
  // "¿" opens a question anywhere ("Hola Ana, ¿me puedes...?"); without it, only a sentence start.
  { id: 'es-question', pattern: phrase(`¿${ES_QUESTION}`), replace: spanishQuestion, advice: questionAdvice },
  { id: 'es-question-unmarked', pattern: phrase(ES_QUESTION), replace: spanishQuestion, position: 'sentence-start', advice: questionAdvice },
  { id: 'es-wrapper', pattern: phrase(ES_WRAPPER), replace: spanishWrapper, position: 'sentence-start', advice: (m) => directCommand(firstWords(m, 4)) },
  { id: 'es-present-question', pattern: phrase(ES_PRESENT_QUESTION), replace: spanishPresentQuestion, advice: questionAdvice },
  { id: 'es-ask-for-help', pattern: phrase(ES_ASK_FOR_HELP), replace: spanishWrapper, position: 'sentence-start', advice: (m) => directCommand(firstWords(m, 4)) },
  // "A comparison table would be great if possible." -> "... would be great."
  { id: 'if-possible', pattern: phrase(',? if (?:that matters|possible|you can|at all possible)(?=[.!?])|,? si (?:es posible|puede ser|puedes)(?=[.!?])', false), replace: '' },
  // Mid-sentence, the command only reads well when it starts a new clause ("..., y ayúdame").
  { id: 'es-wish', guard: 'previous', position: 'sentence-start', pattern: phrase(`()${ES_WISH}`), replace: spanishWish, advice: wishAdvice },
  { id: 'es-wish-joined', guard: 'previous', pattern: phrase(`(,? (?:y|así que) )${WORD_START}${ES_WISH}`, false), replace: spanishWish, advice: wishAdvice },
];
