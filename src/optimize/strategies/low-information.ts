import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { INFINITIVES } from '../spanish-verbs.js';
import { WORD_END, WORD_START, phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Aggressive: intensifiers, hedges, asides and request scaffolding that do not change the
 * instruction, for a terse, telegraphic prompt. Words right after a negation/constraint stay
 * ("not really", "no muy"), and so do protected spans (masked before any rule runs).
 */
const longestFirst = (words: string[]): string => [...words].sort((a, b) => b.length - a.length).join('|');

// Discourse fillers only: words of degree ("very", "muy", "a bit") change what is asked ("very
// short" is not "short") and stay.
const FILLER_WORDS = [
  // English
  'basically', 'actually', 'literally', 'definitely', 'certainly',
  'essentially', 'honestly', 'obviously', 'of course', 'in fact', 'i think', 'i guess', 'i believe',
  'i feel like', 'i suppose', 'kind of like', 'sort of like', 'maybe', 'perhaps', 'possibly',
  'potentially', 'generally', 'overall', 'also', 'pretty much',
  // "really" only as emphasis of a wish ("I really need"); before an adjective it is a degree ("really simple").
  'really(?= (?:want|need|like|love|appreciate|hope|wish)\\b)',
  // Spanish
  'básicamente', 'literalmente', 'sinceramente',
  'obviamente', 'en realidad', 'de verdad', 'la verdad', 'la verdad es que', 'lo que pasa es que',
  'o sea', 'creo que', 'supongo que', 'quizás', 'quizá', 'tal vez', 'posiblemente', 'en general',
];

// Openers that only mark the start of what the writer says (normal mode too, see FRAMING_RULES).
const FRAMING_OPENERS = 'so|well|ok|okay|anyway|anyways|bueno|pues|vale|perfect|great|awesome|perfecto|genial|estupendo';
// "Actually," may announce a correction and "Also,"/"Now," a step: telegraphic mode only.
const OPENERS = `${FRAMING_OPENERS}|now|entonces|actually|also|además`;
const SO_I = '(?:so|anyway)(?= (?:i|we) )';

// "Here is the code:" before a code block or quote adds nothing.
const HERE_IS = "here(?:'s| is| are) (?:the|my) (?:code|function|query|snippet|script|text|notes?|error)(?: below)?:|aquí (?:está|tienes) (?:el|mi) (?:código|texto|error):";
// Complementizer "that" after verbs of saying/knowing: "explains that X" -> "explains X".
const THAT = "(?<=(?:say|says|said|mention|mentions|explain|explains|ensure|sure|know|think|believe|realize|hope|mean|means|show|shows) )that";

// Relative "that is/are": "files that are older than 30 days" -> "files older than 30 days".
// Not after a preposition ("how much of that is interest") and not "who is" (a question).
const RELATIVE = '(?<=\\p{L} )(?<!\\b(?:of|to|in|for|on|at|with|by|from|about|than|like) )(?:that|which) (?:is|are)(?= \\p{L})';
// Question scaffolding before a noun phrase: "What is the best way to X?" -> "Best way to X?".
const WHAT_IS = "what(?:'s| is| are)(?= (?:the|a|an) )";

// Hedges: "I'm kind of stuck" -> "I'm stuck" (but "this kind of error" stays).
const KIND_OF = "(?<=(?:am|is|are|was|were|'m|'s|'re|seems?|sounds?|looks?|feels?|and|but) )(?:kind|sort) of";
// Telegraphic subject: "I'm writing a cover letter" -> "Writing a cover letter", "We are using X" -> "Using X".
const SUBJECT = "(?:i am|i'm|we are|we're)(?= \\p{Ll})";
// Telegraphic first person: "I need a script" -> "Need a script", "I've got a CSV" -> "Got a CSV",
// "I've already tried X" -> "Already tried X".
// Not before a form of "be" or a modal, where the subject carries the sentence ("I am 29").
const I_SUBJECT = "(?:(?<=(?:and|but|so) )|(?<=, ))?(?:i|we)(?= (?!(?:am|was|were|is|are|will|would|could|should|can|may|might|must|shall)\\b)\\p{Ll})|(?:i've|we've)(?= \\p{Ll})";
// Sentences about the requester's feelings: "I'm really nervous", "estoy un poco perdido".
const FEELING = "(?:and )?(?:i'm|i am) (?:really |so |a bit |a little |kind of |very |quite |honestly )*(?:nervous|stuck|lost|confused|stressed|frustrated|worried|overwhelmed|new to this)|(?:y )?estoy (?:un poco |muy |bastante )?(?:perdid[oa]|bloquead[oa]|agobiad[oa]|atascad[oa]|confundid[oa])";
const ASIDES = "to be honest|if that makes sense|for what it's worth|para ser sincero|para ser sincera|si tiene sentido|por si te sirve|te escribo porque";
// "Review this function for me." -> "Review this function." (only in a request, not "hard for me").
// The request verb is checked behind " for me" once that is found, within the clause's last 200
// characters (a lookbehind tried at every position, or an unbounded one, would be quadratic).
const FOR_ME_VERB = '(?:write|rewrite|summarize|summarise|review|translate|create|draft|explain|fix|check|generate|make|do)';
const FOR_ME = ` for (?:me|us)(?=[.!?,])(?<=(?:^|\\n|[.!?:]\\s+)${FOR_ME_VERB}\\b[^.!?\\n]{0,200} for (?:me|us))`;
// "Suggest some improvements" -> "Suggest improvements" ("some of" stays).
const SOME = 'some(?= \\p{L})(?! of )';

// Request scaffolding around the real verb: "Help me rewrite X" -> "Rewrite X",
// "Give me the regex" -> "The regex", "Ayúdame a escribir X" -> "Escribir X".
const HELP_ME = 'help me(?= (?:write|rewrite|improve|create|fix|prepare|plan|draft|find|choose|pick|make|build|design|translate|summarize|review|organize|debug|set up|figure out) )';
const SCAFFOLD = 'give me(?= (?:the|a|an|some) )|note that';
const AYUDAME = `ayúdame a (${INFINITIVES})(?![\\p{L}])`;
const spanishHelp = (m: RegExpExecArray): string => m[1]!;

/** "Review this function for me." -> "Review this function." (normal mode too: politeness.ts). */
export const FOR_ME_RULE: Rule = { id: 'for-me', lang: 'en', pattern: phrase(FOR_ME, false), replace: '' };

// A wish to do something is the request to do it: "I want to create a chart" -> "Create a chart",
// "Necesito escribir un correo" -> "Escribir un correo".
// Not before verbs of knowing ("I want to understand X" asks for an explanation, not an action).
// The wish itself, in each language (WANT_TO/QUIERO and the narrower WISH_TO_PRODUCE/QUIERO_PRODUCE).
const WISH_EN = "(?:i|we) (?:really )?(?:want|need|would like|'d like|would love|'d love) to";
const WISH_ES = '(?:quiero|queremos|necesito|necesitamos|me gustaría|nos gustaría|quisiera)';
const WANT_TO = `${WISH_EN}(?= \\p{Ll})(?! (?:understand|know|learn|see|figure|decide|be|have|get)\\b)`;
const QUIERO = `${WISH_ES}(?= \\p{Ll}+(?:ar|er|ir|ír)(?:me|te|se|nos|lo|la|le|los|las|les)?(?![\\p{L}]))(?! (?:entender|comprender|saber|aprender|conocer|ver|ser|estar|tener)(?![\\p{L}]))`;
// "Tell me whether X" -> "Whether X" (the question is the request).
const TELL_ME = '(?:tell me|dime)(?= (?:whether|how|what|which|why|when|where|who|cómo|qué|cuál|cuáles|cuándo|dónde|por qué|cuánto|cuántos|cuántas|quién)(?![\\p{L}]))';
// "Es muy importante que no cambies X" -> "No cambies X" (a negative command in Spanish already).
const IMPORTANT_THAT = "(?:es|it's|it is) (?:muy |really |very |extremely |super )?(?:importante|important) (?:que|that)(?= (?:no|nunca|do not|don't|never|you never|you do not|you don't)(?![\\p{L}]))";

// A wish to produce something is the request to produce it, in normal mode too: "I need to write a
// polite email" -> "Write a polite email", "Necesito redactar un correo" -> "Redactar un correo".
// Only verbs of producing text or code: "I need to cancel my order" and "Quiero devolver una
// chaqueta" say what the requester does, and stay.
const PRODUCE_EN = 'write|rewrite|draft|create|generate|translate|summari[sz]e|convert|refactor|implement|proofread|outline|calculate|compare';
const PRODUCE_ES = 'escribir|redactar|crear|generar|traducir|resumir|convertir|refactorizar|implementar|elaborar|calcular|comparar';
const WISH_TO_PRODUCE = `${WISH_EN}(?= (?:${PRODUCE_EN})\\b)`;
const QUIERO_PRODUCE = `${WISH_ES}(?= (?:${PRODUCE_ES})(?:me|te|se|nos|lo|la|le|los|las|les)?(?![\\p{L}]))`;

const OPENERS_RULE: Rule = { id: 'low-info:openers', pattern: phrase(`(?:${OPENERS}),|${SO_I}`), replace: '', position: 'sentence-start' };
const ASIDES_RULE: Rule = { id: 'low-info:asides', pattern: phrase(`(?:${ASIDES}),?`), replace: '' };
const HERE_IS_RULE: Rule = { id: 'low-info:here-is', pattern: phrase(HERE_IS), replace: '', position: 'sentence-start' };
const FEELING_RULE: Rule = { id: 'low-info:feeling', pattern: phrase(`,? ?${WORD_START}(?:${FEELING})${WORD_END}(?=[.!,;]| and| but| y| pero)`, false), replace: '' };

/**
 * Framing that says nothing about the request, removed in normal mode too (politeness.ts):
 * openers ("So,", "Bueno,"), asides ("if that makes sense"), "Here is the code:", the requester's
 * feelings ("I'm really nervous", "estoy un poco perdido"), a wish to produce something.
 */
export const FRAMING_RULES: readonly Rule[] = [
  { id: 'framing:openers', pattern: phrase(`(?:${FRAMING_OPENERS}),`), replace: '', position: 'sentence-start' },
  { id: 'framing:wish-to-produce', lang: 'en', pattern: phrase(WISH_TO_PRODUCE), replace: '', position: 'sentence-start', guard: 'neighbours' },
  { id: 'framing:quiero-producir', lang: 'es', pattern: phrase(QUIERO_PRODUCE), replace: '', position: 'sentence-start', guard: 'neighbours' },
  ASIDES_RULE,
  HERE_IS_RULE,
  FEELING_RULE,
];

export const LOW_INFORMATION_RULES: readonly Rule[] = [
  { id: 'low-info:want-to', lang: 'en', pattern: phrase(WANT_TO), replace: '', position: 'sentence-start', guard: 'neighbours' },
  { id: 'low-info:quiero', lang: 'es', pattern: phrase(QUIERO), replace: '', position: 'sentence-start', guard: 'neighbours' },
  { id: 'low-info:tell-me', pattern: phrase(TELL_ME), replace: '', position: 'sentence-start' },
  { id: 'low-info:important-that', pattern: phrase(IMPORTANT_THAT), replace: '', position: 'sentence-start' },
  { id: 'low-info:help-me', lang: 'en', pattern: phrase(HELP_ME), replace: '' },
  { id: 'low-info:help-me-understand', lang: 'en', pattern: phrase('help me understand'), replace: 'explain' },
  { id: 'low-info:ayudame', lang: 'es', pattern: phrase(AYUDAME), replace: spanishHelp },
  { id: 'low-info:scaffold', pattern: phrase(SCAFFOLD), replace: '', position: 'sentence-start' },
  { id: 'low-info:would', lang: 'en', pattern: phrase('would (?:like|love)(?= to )'), replace: 'want' },
  { id: 'low-info:would-prefer', lang: 'en', pattern: phrase('would prefer(?= to )'), replace: 'prefer' },
  ASIDES_RULE,
  { id: 'low-info:some', lang: 'en', pattern: phrase(SOME), replace: '', guard: 'neighbours' },
  { id: 'low-info:right-now', lang: 'en', pattern: phrase('right(?= now)'), replace: '' },
  { id: 'low-info:what-is', lang: 'en', pattern: phrase(WHAT_IS), replace: '', position: 'sentence-start' },
  { id: 'low-info:so-that', lang: 'en', pattern: phrase('so that'), replace: 'so', guard: 'previous' },
  { id: 'low-info:relative', lang: 'en', pattern: phrase(RELATIVE), replace: '', guard: 'previous' },
  HERE_IS_RULE,
  { id: 'low-info:that', lang: 'en', pattern: phrase(THAT), replace: '', guard: 'previous' },
  OPENERS_RULE,
  { id: 'low-info:words', pattern: phrase(`(?:${longestFirst(FILLER_WORDS)}),?`), replace: '', guard: 'previous' },
  { id: 'low-info:kind-of', lang: 'en', pattern: phrase(KIND_OF), replace: '', guard: 'previous' },
  { id: 'low-info:subject', lang: 'en', pattern: phrase(SUBJECT), replace: '', position: 'sentence-start', guard: 'neighbours' },
  { id: 'low-info:i-subject', lang: 'en', pattern: phrase(I_SUBJECT), replace: '', position: 'sentence-start', guard: 'neighbours' },
  // "..., and I need to explain" -> "..., and need to explain" (the same subject as the clause before).
  { id: 'low-info:i-subject-joined', lang: 'en', pattern: phrase(`(?<=(?:and|but) )${I_SUBJECT}`), replace: '', guard: 'neighbours' },
  // "..., and I'm applying for X" -> "..., and applying for X" (a progressive only: "and I'm 29" stays).
  { id: 'low-info:subject-joined', lang: 'en', pattern: phrase("(?<=(?:and|but) )(?:i'm|i am|we're|we are)(?= \\p{Ll}+ing\\b)"), replace: '', guard: 'neighbours' },
  // "Show me a minimal example" -> "Show a minimal example" (the asker is the one shown).
  { id: 'low-info:me', lang: 'en', pattern: phrase('(?<=(?:give|show|send) )me(?= (?:a|an|the|some|how|what|which|your|my|\\p{Ll}+s)\\b)'), replace: '', guard: 'neighbours' },
  // "Tengo una tabla clientes..." -> "Una tabla clientes..." (what the requester has is the context).
  { id: 'low-info:tengo', lang: 'es', pattern: phrase('(?:tengo|tenemos)(?= (?:un|una|unos|unas|este|esta|estos|estas)(?![\\p{L}]))'), replace: '', position: 'sentence-start', guard: 'neighbours' },
  // "Estoy aprendiendo Python" -> "Aprendiendo Python" (like "I'm learning" -> "Learning").
  { id: 'low-info:estoy', lang: 'es', pattern: phrase('(?:estoy|estamos)(?= \\p{L}+(?:ando|iendo|yendo)(?![\\p{L}]))'), replace: '', position: 'sentence-start', guard: 'neighbours' },
  FEELING_RULE,
];

export const removeLowInformationWords: Strategy = (text, ctx) => applyRules(text, LOW_INFORMATION_RULES, ctx);
