import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { REQUEST_RULES } from '../requests.js';
import { FOR_ME_RULE, FRAMING_RULES } from './low-information.js';
import { WORD_END, WORD_START, phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Politeness and filler: greetings, thanks, "please", and polite request wrappers that can be
 * replaced by a direct command ("Could you please explain X?" -> "Explain X.", see requests.ts).
 */

/** A sentence that carries no instruction ("Thanks in advance!", "Espero que estés bien."). */
const fillerSentence = (id: string, source: string): Rule => ({
  id, pattern: phrase(source), replace: '', position: 'whole-sentence',
});

const FILLER_SENTENCES: Rule[] = [
  fillerSentence('thanks', "(?:thank you|thanks?|many thanks|thx)(?: (?:so|very) much| a lot| a ton| again)?(?: in advance)?(?: for (?:your|the|any|all (?:your|the)) (?:help|time|assistance|patience|support))?(?: in advance)?(?:[,!.]? (?:i )?(?:really )?appreciate (?:it|your help))?[.!]*"),
  fillerSentence('hope', "(?:i )?hope (?:you(?:'re| are) (?:doing )?(?:well|good|great|fine)(?: today)?|you(?:'re| are) having a (?:great|good|nice|wonderful) day|this (?:message |email )?finds you well|you can help(?: me)?(?: with this)?|(?:this|that|my question) makes sense|(?:this|my question) is clear)[.!]*"),
  fillerSentence('help-me', '(?:please )?help(?: me)?(?: out| with (?:this|something|a problem|an issue))?(?: please)?[.!]*'),
  fillerSentence('can-you-help', '(?:can|could|would) you (?:please )?help(?: me)?(?: out| with (?:this|something|a problem|an issue))?(?: please)?\\?+'),
  fillerSentence('need-help', "i (?:need|could use|would (?:love|appreciate)|'d (?:love|appreciate)) (?:some |a little |your |a bit of )?help(?: with (?:this|something|a (?:problem|task|project)))?[.!]*"),
  fillerSentence('have-question', "(?:i have|i've got|i got) (?:a )?(?:quick |small |simple |little )?(?:question|favou?r to ask)[.!:]*"),
  fillerSentence('appreciated', '(?:any |your )?help (?:would be|is|will be) (?:greatly |much |really |very much |highly )?appreciated[.!]*|(?:i )?(?:really |truly )?appreciate (?:it|your help|any help|the help|your time)[.!]*'),
  fillerSentence('let-me-know', "let me know if you (?:need|want) (?:any )?(?:more|additional|further|other) (?:info|information|details|context)[.!]*|let me know if (?:you have any questions|anything is unclear)[.!]*|(?:i'm )?looking forward to (?:your|the) (?:answer|reply|response)[.!]*"),
  fillerSentence('es-closing', '(?:quedo atent[oa] a (?:tu|su) respuesta|espero (?:tu|su) respuesta|cualquier ayuda (?:es|será) (?:bienvenida|apreciada)|avísame si necesitas más (?:información|detalles|contexto))[.!]*'),
  fillerSentence('closing', '(?:cheers|best regards|kind regards|regards|best wishes)[.!,]*'),
  fillerSentence('sorry', '(?:sorry|apologies) (?:for the long (?:message|post|question)|for my (?:bad |poor )?english)[.!]*'),
  fillerSentence('gracias', '¡?(?:muchas |mil )?gracias(?: de antemano| por adelantado)?(?: por (?:tu|su) (?:ayuda|tiempo|atención))?(?: de antemano)?[.!]*'),
  fillerSentence('espero', '¡?espero que (?:estés|esté|estén|te encuentres|se encuentr(?:a|e|en)) (?:muy )?bien[.!]*|espero que (?:puedas|me puedas) ayudar(?:me)?[.!]*'),
  fillerSentence('puedes-ayudar', '¿?(?:me )?(?:puedes|podrías|podría|puede) ayudar(?:me)?(?: con (?:esto|algo|una cosa|un problema))?(?: por favor)?\\?+'),
  fillerSentence('ayudame', '(?:por favor,? )?ayúdame(?:,? por favor)?[.!]*|necesito (?:tu |su |un poco de |algo de )?ayuda(?: con (?:esto|algo|una cosa|un problema))?[.!]*'),
  fillerSentence('pregunta', '(?:tengo|te hago) una (?:pequeña |rápida )?(?:pregunta|duda)(?: rápida)?[.!:]*'),
  fillerSentence('agradeceria', '(?:te|le) agradecería (?:mucho )?(?:tu|su|cualquier) ayuda[.!]*|(?:agradezco|agradecería) (?:mucho )?(?:cualquier|tu|su) ayuda[.!]*'),
  fillerSentence('es-favor', '(?:hazme|¿me haces|¿me puedes hacer) un (?:pequeño )?favor\\??[.!:]*|quer[ií]a preguntarte (?:algo|una cosa)[.!:]*|(?:una )?pregunta rápida[.!:]*'),
  fillerSentence('chat-ack', '(?:perfect|great|awesome|excellent|perfecto|genial|estupendo|vale),? (?:thanks?(?: you)?|gracias)[.!]*'),
  fillerSentence('saludos', '(?:un saludo|saludos(?: cordiales)?|un abrazo)[.!]*'),
  // Sentences that only announce or frame the request.
  fillerSentence('meta', "(?:(?:a )?quick question|one more thing(?: though)?|i hope (?:this is|it's) (?:ok|okay|fine) to ask(?: here)?|i hope (?:someone|somebody|you) can help(?: me)?|i(?:'m| am) (?:honestly |really |a bit |kind of )*(?:lost|confused|stuck)(?: here)?|sorry about that|sorry if this is (?:a )?(?:silly|dumb|stupid|basic) question|that(?:'s| is| was) (?:really |very |super )?helpful(?:, thank you(?: so much| very much)?)?|(?:thank you|thanks),? that (?:worked|helps|helped)(?: perfectly)?)[.!:]*"),
  fillerSentence('es-meta', '(?:(?:te |le )?quer[ií]a (?:pedirte|pedirle|preguntarte|preguntarle|comentarte) (?:un favor|una cosa|algo)|(?:te |le )?quer[ií]a (?:hacerte|hacerle) una (?:consulta|pregunta)|una cosa más|te cuento|perdona(?:,| y) disculpa|gracias y disculpa|disculpa las molestias|perdón por las molestias|(?:te |se )?lo agradecer[ií]a (?:mucho|muchísimo)?|te lo agradezco(?: mucho)?|mil gracias|gracias,? de verdad|espero que me puedas ayudar|(?:vale, )?(?:muchas )?gracias, ya funciona|¿me ayudas\\?)[.!:]*'),
];

// Sentence openers that only frame what follows: "So basically I need..." -> "I need...",
// "I'm sorry if this is a silly question, but I need..." -> "I need...".
const OPENER: Rule = {
  id: 'opener',
  pattern: phrase("(?:so basically|basically|honestly|hmm+|um+|ok(?:ay)?,? so|oye|mira|bueno|pues bien)(?:,|(?= (?:i|i'm|i've|we|we're|my|our)\\b))|so(?= (?:i|i've|i'm|we|we've|we're)\\b)"),
  replace: '',
  position: 'sentence-start',
};
const LEADING_ASIDE: Rule = {
  id: 'leading-aside',
  pattern: phrase(`${WORD_START}(?:i'm |i am )?(?:(?:sorry|apologies) if this is a (?:dumb|stupid|silly|basic|newbie|naive) question|not (?:really |quite )?sure how to (?:ask|put|phrase|word) this|writing (?:to you )?because|(?:te|les|le|os) escribo (?:porque|para (?:preguntar|consultar)(?: si)?))${WORD_END},? (?:but |pero )?`, false),
  replace: '',
  position: 'sentence-start',
  // The "not" of "not sure how to ask this" is no constraint of the request.
  allowProtected: true,
};
// "basically", "honestly" inside a sentence say nothing about the request.
const DISCOURSE: Rule = { id: 'discourse', pattern: phrase('(?:basically|honestly|to be honest|la verdad),?'), replace: '', guard: 'previous' };

const GREETING = "¡?(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening)|hola|buenas|buenos días|buenas tardes|buenas noches)(?: there| all| everyone| guys| team| a todos| de nuevo)?[!.,]+|¿qué tal(?: estás| está| andas| va todo| va)?\\?|quick question:";

/** One or more greetings opening a sentence ("Hola, buenos días."). */
const GREETINGS: Rule = {
  id: 'greeting',
  pattern: phrase(`(?:${GREETING})(?:\\s*(?:${GREETING}))*`),
  replace: '',
  position: 'sentence-start',
};

/** "please" / "por favor" / "kindly", keeping one comma when they sat between two. */
const keepOneComma = (m: RegExpExecArray): string => (m[1] && m[2] ? ',' : '');

const PLEASE_LEADING: Rule = {
  id: 'please-leading',
  pattern: phrase('(?:please|kindly|por favor),?'),
  replace: '',
  position: 'sentence-start',
  advice: (m) => `Remove '${m.replace(/,$/, '')}' at the beginning`,
};

const PLEASE: Rule[] = [
  { id: 'please', pattern: phrase(`(,\\s*)?${WORD_START}(?:please|kindly|por favor)${WORD_END}(\\s*,)?`, false), replace: keepOneComma },
  { id: 'thanks-in-advance', pattern: phrase(`(?:,\\s*|\\s+and\\s+|\\s+y\\s+)(?:thanks?|thank you|muchas gracias|gracias) (?:in advance|de antemano)(?: for (?:your|the|any) help)?${WORD_END}`, false), replace: '' },
  { id: 'if-you-dont-mind', pattern: phrase("if you don't mind,?|si no es mucha molestia,?"), replace: '', allowProtected: true },
  { id: 'sorry-dumb-question', pattern: phrase(`(?:,? so |,? así que )?${WORD_START}(?:(?:sorry|apologies) if this is a (?:dumb|stupid|silly|basic|newbie) question|(?:perdón|disculpa|lo siento) si es una pregunta (?:muy )?(?:básica|tonta))${WORD_END}`, false), replace: '' },
  { id: 'when-you-can', pattern: phrase('when you (?:get|have) a (?:chance|moment|minute),?|if you have (?:the )?time,?|cuando puedas,?'), replace: '' },
];

/** The politeness rule table, in application order. */
export const POLITENESS_RULES: readonly Rule[] = [GREETINGS, OPENER, LEADING_ASIDE, ...FILLER_SENTENCES, PLEASE_LEADING, ...REQUEST_RULES, ...PLEASE, DISCOURSE, ...FRAMING_RULES, FOR_ME_RULE];

/**
 * The strategy runs these tables in turn (recommendations read them too): filler sentences get a
 * second pass because removing "Por favor," or a wrapper can leave one ("Help me with something.").
 */
export const POLITENESS_PASSES: readonly (readonly Rule[])[] = [POLITENESS_RULES, FILLER_SENTENCES];

export const removePoliteness: Strategy = (text, ctx) =>
  POLITENESS_PASSES.reduce((current, rules) => applyRules(current, rules, ctx), text);
