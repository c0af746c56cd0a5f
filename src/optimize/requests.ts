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
// "¿Puede hacerlo?" and "¿Podría haber...?" ask about a third party: the usted forms count only
// with the requester's pronoun ("¿Me podría explicar...?"); "¿Me la podéis restablecer?" asks a
// company what it can do, not the assistant. "¿Me podrías ayudar a traducir X?" is
// the request "traducir X".
const ES_MODAL = '(?:(me|te|nos|se) (?:(lo|la|los|las) )?)?(podrías|puedes|pudieras|puede|podría|serías tan amable de|te importaría)';
const THIRD_PERSON = /^(?:puede|podría)$/i;
// Any infinitive but those that make a question about the assistant or the world rather than a
// request ("¿Podrías estar equivocado?", "¿Puedes saber si...?").
const ES_INFINITIVE = `(?!(?:ser|estar|haber|saber|poder|querer|creer|existir|parecer)(?![\\p{L}]))\\p{Ll}+(?:ar|er|ir|ír)`;
const ES_QUESTION = `${ES_MODAL}(?: por favor,?)? (?:ayudar(?:me|nos)? (?:a|con) )?(${ES_INFINITIVE})(${CLITIC})?(?![\\p{L}])([^?\\n]{0,${MAX_QUESTION}})\\?`;

const questionAdvice = (m: string): string => directCommand(`${firstWords(m, 2)} ...?`);

/**
 * "¿Podrías corregir X?" -> "corregir X." The request's own words stay as written: only the
 * wrapper goes, and the infinitive reads as an instruction ("Corregir las faltas de ortografía").
 * Conjugating it ("corrige") would change the words a user wrote, and saves nothing.
 */
const spanishQuestion = (m: RegExpExecArray): string => {
  const [, pronoun, object, modal, infinitive, clitic, body] = m;
  if (!pronoun && THIRD_PERSON.test(modal!)) return m[0];
  // "¿Me lo podrías explicar?" -> "Explicarlo" (the thing to explain stays; "me" is the asker).
  return `${infinitive!}${clitic ?? object ?? ''}${coordinated(body!, PRESENT_AFTER_AND, imperativeFromPresent)}.`;
};

// A second verb of the same request, conjugated like the first was ("¿Me propones X y me explicas
// Y?", "Me gustaría que revises X y me digas Y"): it becomes a command too.
const PRESENT_AFTER_AND = new RegExp(` y (?:(me|te|nos) )?(${PRESENTS})(?![\\p{L}])`, 'giu');
const SUBJUNCTIVE_AFTER_AND = new RegExp(` y (?:(me|te|nos) )?(${SUBJUNCTIVES})(?![\\p{L}])`, 'giu');
function coordinated(body: string, pattern: RegExp, command: (verb: string, clitic?: string) => string | undefined): string {
  return body.replace(pattern, (match, clitic: string | undefined, verb: string) => {
    const imperative = command(verb, clitic);
    return imperative ? ` y ${imperative}` : match;
  });
}

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

const ES_WRAPPER = `(?:sería (?:genial|estupendo|ideal|perfecto|de gran ayuda) si (?:pudieras|puedes)|(?:te|le) (?:estaría|quedaría) (?:muy )?agradecid[oa] si (?:pudieras|pudiera|puedes|puede)|(?:te|le) agradecería (?:mucho )?si (?:pudieras|pudiera|puedes|puede)|si (?:pudieras|puedes))(?: por favor,?)? (${INFINITIVES})(${CLITIC})?(?![\\p{L}])`;

/** "Sería genial si pudieras incluir X" -> "incluir X" (the infinitive as written, see spanishQuestion). */
const spanishWrapper = (m: RegExpExecArray): string => `${m[1]!}${m[2] ?? ''}`;

// "¿Me explicas X?" -> "Explícame X." (only as a question: "me explicas" is also a statement).
const ES_PRESENT_QUESTION = `¿(?:(me|te|nos|lo|la|los|las)(?: (lo|la|los|las))? )?(?:ayudas a )?(${PRESENTS})(?![\\p{L}])([^?\\n]{0,${MAX_QUESTION}})\\?`;
// "¿Me ayudas a redactar X?" -> "Redactar X."
const ES_HELP_QUESTION = `¿(?:me|nos) ayudas? (?:a|con) (${ES_INFINITIVE})(${CLITIC})?(?![\\p{L}])([^?\\n]{0,${MAX_QUESTION}})\\?`;
const spanishHelpQuestion = (m: RegExpExecArray): string => `${m[1]!}${m[2] ?? ''}${m[3]!}.`;
const spanishPresentQuestion = (m: RegExpExecArray): string => {
  // "¿Me lo escribes?" -> "Escríbelo." (the object stays; "me" is the asker).
  const [, first, object, present, body] = m;
  const verb = imperativeFromPresent(present!, object ?? first);
  return verb ? `${verb}${coordinated(body!, PRESENT_AFTER_AND, imperativeFromPresent)}.` : m[0];
};
// "Quería pedirte ayuda para escribir X", "Quería preguntarte si me puedes ayudar a escribir X" -> "Escribe X".
const ES_ASK_FOR_HELP = `(?:(?:quer[ií]a|quisiera|me gustar[ií]a) pedirte (?:ayuda|que me ayudes) (?:para|a|con)|quer[ií]a (?:preguntarte|saber) si (?:me )?(?:puedes|podr[ií]as) ayudar(?:me)? a) (${ES_INFINITIVE})(${CLITIC})?(?![\\p{L}])`;

const EN_REQUEST = "(?:can|will) you (?:please|kindly)|(?:could|would) you(?: please| kindly| possibly)?|would you be so kind as to|would it be possible (?:for you )?to|is it possible for you to|do you think you could|i was wondering if you could(?: please| possibly)?";
const EN_WRAPPER = "i was wondering if you could(?: please| possibly)?|i was hoping (?:that )?you could(?: please)?|i would (?:really )?(?:like|love) (?:for )?you to|i'd (?:really )?(?:like|love) (?:for )?you to|i (?:want|need) you to|(?:i would|i'd) love it if you could|(?:i would|i'd) (?:really |truly )?appreciate it if you could|(?:i would|i'd) be (?:really |very |so |most |truly )?(?:grateful|thankful) if you could|it would be (?:great|nice|awesome|helpful|amazing|wonderful) if you could(?: please)?|would you be so kind as to|could you kindly";

// "Can you write the test cases?" is a request; "Can you access the internet?" a question about
// the assistant: only "can you" + a verb of doing counts.
const EN_ACTION = 'write|rewrite|explain|check|show|give|tell|make|create|suggest|translate|summarize|summarise|review|fix|list|recommend|provide|generate|draft|describe|compare|convert|add|find|calculate|proofread|correct|edit|improve|optimize|format|extract|go through|send|update|redo|prepare|plan|design|build|implement|refactor|debug|test|outline|propose|read|answer|reply|respond|sort|clean up|simplify|shorten|expand|polish|analy[sz]e|estimate|name';
const EN_CAN_YOU = `(?:can|will) you (?:also |now |then )?((?:${EN_ACTION})\\b[^?.!\\n]{0,${MAX_QUESTION}}?)\\s*\\?`;
// "Help me write X" -> "Write X"; "Help me understand X" -> "Explain X".
const EN_HELP_ME = `(?:please )?help me (?=(?:${EN_ACTION}|choose|pick|decide|figure out|set up|understand)\\b)`;
// "I would like to know whether X" -> "Tell me whether X" (a new sentence after "and").
const EN_LIKE_TO_KNOW = "(?:i would|i'd|i) (?:really )?(?:like|want|love) to (?:know|understand|learn)|i'm curious(?: to know)?|i (?:was|am) wondering";
const ES_LIKE_TO_KNOW = '(?:me gustaría|quisiera|quiero|necesito) (?:saber|conocer|entender)';

/** The question forms also turn "?" into ".". */
export const REQUEST_RULES: readonly Rule[] = [
  { id: 'request-question', pattern: phrase(`(?:${EN_REQUEST}) ([^?.!\\n]{1,${MAX_QUESTION}}?)\\s*\\?`), replace: '$1.', position: 'sentence-start', advice: (m) => directCommand(`${firstWords(m, 3)} ...?`) },
  // "I would like you to not use X" -> "Do not use X".
  { id: 'request-wrapper', pattern: phrase(`${JOINED}(?:${EN_WRAPPER}) (not )?`, false), replace: (m) => newSentenceIf(m[1], m[2] ? 'do not ' : ''), advice: directCommand },
  { id: 'request-prefix', pattern: phrase(EN_REQUEST), replace: '', position: 'sentence-start', advice: directCommand },
  // "Based on this excerpt, could you tell me X?" -> "Based on this excerpt, tell me X?"
  { id: 'request-mid-sentence', pattern: phrase(`(?<=, )${WORD_START}(?:could|can|would) you (?:please )?(?=(?:${EN_ACTION})\\b)`, false), replace: '', advice: directCommand },
  { id: 'request-can-you', pattern: phrase(EN_CAN_YOU), replace: '$1.', position: 'sentence-start', advice: (m) => directCommand(`${firstWords(m, 3)} ...?`) },
  { id: 'help-me-understand', pattern: phrase('(?:please )?help me understand'), replace: 'explain', position: 'sentence-start', advice: directCommand },
  { id: 'help-me', pattern: phrase(EN_HELP_ME, false), replace: '', position: 'sentence-start', advice: directCommand },
  { id: 'like-to-know', pattern: phrase(`${JOINED}(?:${EN_LIKE_TO_KNOW})(?= (?:if|whether|how|what|why|when|where|which|who)\\b)`, false), replace: (m) => newSentenceIf(m[1], 'tell me'), guard: 'previous', advice: directCommand },
  { id: 'es-like-to-know', pattern: phrase(`${JOINED}(?:${ES_LIKE_TO_KNOW})(?= (?:si|cómo|qué|cuál|cuáles|cuándo|dónde|por qué|cuánto|cuántos|cuántas|quién)(?![\\p{L}]))`, false), replace: (m) => newSentenceIf(m[1], 'dime'), guard: 'previous', advice: directCommand },
  // "¿" opens a question anywhere ("Hola Ana, ¿me puedes...?"); without it, only a sentence start.
  { id: 'es-question', pattern: phrase(`¿${ES_QUESTION}`), replace: spanishQuestion, advice: questionAdvice },
  { id: 'es-question-unmarked', pattern: phrase(ES_QUESTION), replace: spanishQuestion, position: 'sentence-start', advice: questionAdvice },
  { id: 'es-wrapper', pattern: phrase(ES_WRAPPER), replace: spanishWrapper, position: 'sentence-start', advice: (m) => directCommand(firstWords(m, 4)) },
  { id: 'es-help-question', pattern: phrase(ES_HELP_QUESTION), replace: spanishHelpQuestion, advice: questionAdvice },
  { id: 'es-present-question', pattern: phrase(ES_PRESENT_QUESTION), replace: spanishPresentQuestion, advice: questionAdvice },
  { id: 'es-ask-for-help', pattern: phrase(ES_ASK_FOR_HELP), replace: spanishWrapper, position: 'sentence-start', advice: (m) => directCommand(firstWords(m, 4)) },
  // "A comparison table would be great if possible." -> "... would be great."
  // "If you can, keep it short." -> "Keep it short."
  { id: 'if-possible-leading', pattern: phrase('(?:if (?:possible|you can|you could|at all possible)|si (?:es posible|puede ser|puedes|pudieras)),'), replace: '', position: 'sentence-start' },
  { id: 'if-possible', pattern: phrase(',? if (?:that matters|possible|you can|at all possible)(?=[.!?])|,? si (?:es posible|puede ser|puedes)(?=[.!?])', false), replace: '' },
  // "A short comparison table would be great." -> "A short comparison table." (what is wished for stays).
  { id: 'would-be-great', pattern: phrase('(?<=[\\p{L}\\uE000-\\uE1FF] )(?:would|will) (?:(?:be|make it) (?:really |very |super |extremely )?(?:great|helpful|nice|ideal|perfect|appreciated|awesome|useful|good|amazing|wonderful)|(?:really )?help(?: me| us)?(?: a lot| a great deal| greatly)?)(?=[.!])|(?<=[\\p{L}\\uE000-\\uE1FF] )(?:sería|me vendría) (?:genial|ideal|perfecto|estupendo|de gran ayuda|muy útil|útil|bien)(?=[.!])'), replace: '' },
  // Mid-sentence, the command only reads well when it starts a new clause ("..., y ayúdame").
  {
    id: 'es-wish-coordinated',
    guard: 'previous',
    pattern: new RegExp(`${SUBJUNCTIVE_AFTER_AND.source}(?<=(?:gustaría|quisiera|quiero|necesito) que [^.!?\\n]{1,300})`, 'giu'),
    replace: (m) => coordinated(m[0], SUBJUNCTIVE_AFTER_AND, imperativeFromSubjunctive),
  },
  { id: 'es-wish', guard: 'previous', position: 'sentence-start', pattern: phrase(`()${ES_WISH}`), replace: spanishWish, advice: wishAdvice },
  { id: 'es-wish-joined', guard: 'previous', pattern: phrase(`(,? (?:y|así que) )${WORD_START}${ES_WISH}`, false), replace: spanishWish, advice: wishAdvice },
  // Any other present wish about the result is already a command in Spanish, "que" + subjunctive
  // ("me gustaría que sonara" would need its tense changed, and stays):
  // "Quiero que responda solo a X" -> "Que responda solo a X", "Necesito que sea precisa" -> "Que sea precisa".
  { id: 'es-wish-que', guard: 'previous', position: 'sentence-start', pattern: phrase('(?:quiero|necesito|queremos|necesitamos)(?= que (?!no )\\p{Ll})'), replace: '', advice: wishAdvice },
  // The same in English: "I'd like it to be 2 lines" -> "It should be 2 lines".
  { id: 'wish-it-to', guard: 'previous', position: 'sentence-start', pattern: phrase("(?:i|we)(?: (?:really )?(?:would like|want|need)|'d (?:really )?like) (it|them|this|the \\p{L}+) to(?= \\p{Ll})(?! not\\b)"), replace: '$1 should', advice: directCommand },
  // "I would also like to see X" -> "Also show me X".
  { id: 'like-to-see', position: 'sentence-start', pattern: phrase("(?:i|we)(?: would|'d)( also)? (?:like|love) to see"), replace: (m) => (m[1] ? 'also show me' : 'show me'), advice: directCommand },
  // "Ayúdame a escribir X" -> "Escribir X" (like "Help me write X" -> "Write X"); last, as the
  // wishes above may leave it ("Me gustaría que me ayudaras a escribir X" -> "Ayúdame a escribir X").
  { id: 'es-help-me', position: 'sentence-start', pattern: phrase(`(?:por favor,? )?ayúdame (?:a|con)(?= ${ES_INFINITIVE}(?:${CLITIC})?(?![\\p{L}]))`), replace: '', advice: directCommand },
];
