import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Verbose phrase -> concise equivalent. A phrase may use regex syntax (then give a label for
 * recommendations as a third column). An empty replacement removes the phrase.
 */
type Row = readonly [from: string, to: string, label?: string];

const ENGLISH: Row[] = [
  ['in order to', 'to'],
  ['so as to', 'to'],
  ['in an effort to', 'to'],
  ['due to the fact that', 'because'],
  ['owing to the fact that', 'because'],
  ['because of the fact that', 'because'],
  ['in light of the fact that', 'because'],
  ['given the fact that', 'because'],
  ['the reason (?:why )?is (?:that|because)', 'because', 'the reason is that'],
  ['despite the fact that', 'although'],
  ['in spite of the fact that', 'although'],
  ['at this (?:point|moment) in time', 'now', 'at this point in time'],
  ['at the present time|at the moment', 'now', 'at the present time'],
  ['in the event that', 'if'],
  ['in the case that', 'if'],
  ['a (?:large|great|huge) number of', 'many', 'a large number of'],
  ['the (?:vast )?majority of', 'most', 'the majority of'],
  ['a majority of', 'most'],
  ['a small number of', 'a few'],
  ['with regards? to', 'about', 'with regard to'],
  ['in regard to', 'about'],
  ['with respect to', 'about'],
  ['in relation to', 'about'],
  ['for the purpose of', 'for'],
  ['in the near future', 'soon'],
  ['prior to', 'before'],
  ['subsequent to', 'after'],
  ['in close proximity to', 'near'],
  ['on a daily basis', 'daily'],
  ['on a weekly basis', 'weekly'],
  ['on a regular basis', 'regularly'],
  ['each and every', 'every'],
  ['first and foremost', 'first'],
  ['it is (?:important|worth) to note that|it should be noted that|it is worth noting that', '', 'it is important to note that'],
  ['as a matter of fact', 'in fact'],
  ['at all times', 'always'],
  ['until such time as', 'until'],
  ['in the process of', ''],
  ['(?:has|have) the (?:ability|capability) to', 'can', 'has the ability to'],
  ['(?:is|are) able to', 'can', 'is able to'],
  ['whether or not', 'whether'],
  ['make sure that', 'ensure'],
  ['take into (?:account|consideration)', 'consider', 'take into account'],
  ['(?:give|provide) (?:me )?(?:with )?an explanation (?:of|for)', 'explain', 'give me an explanation of'],
  ['(?:give|provide|write|make|create) (?:me )?(?:with )?a (?:brief |short )?summary of', 'summarize', 'give me a summary of'],
  ['(?:give|provide) (?:me )?(?:with )?a (?:brief |short )?description of', 'describe', 'give me a description of'],
  ['(?:come up with|put together)', 'create', 'come up with'],
  ['a little bit', 'a little'],
  ['with the exception of', 'except'],
  ['explain to me', 'explain'],
  ['describe to me', 'describe'],
  ['in the absence of', 'without'],
  ['at the end of the day', 'ultimately'],
  ['for all intents and purposes', 'effectively'],
  ['in a timely manner', 'promptly'],
  ['by means of', 'by'],
  ['(?:utilize|utilise)', 'use', 'utilize'],
  ['(?<=^|[.!?]\\s{1,16})is there (?:any|a) way (?:to|i can|i could)', 'can I', 'is there any way to'],
  ['in (?:simple|plain|layman\'s) terms', 'simply', 'in simple terms'],
  // An embedded question about a difference is the difference: "explain what the difference is between X and Y".
  ['what the (?:main |key )?difference is between', 'the difference between', 'what the difference is between'],
  ['what the (?:main |key )?differences are between', 'the differences between', 'what the differences are between'],
  ["(?:i would|i'd) like to know|i want to know", 'tell me', 'I would like to know'],
  ['i would (?:really )?(?:like|love)(?= (?:to|an?|the|it|some|my|this|one|them|him|her) )', 'I want', 'I would like'],
  ['i was wondering(?= (?:if|whether|how|what|why|when|where|which|who) )', 'tell me', 'I was wondering'],
  ["(?:i'm|i am) (?:trying|struggling) to (?:figure out|understand|learn) how to", 'explain how to', "I'm trying to figure out how to"],
  ["(?:i'm|i am) (?:trying|struggling) to (?:figure out|understand)", 'I need to understand', "I'm trying to figure out"],
];

const SPANISH: Row[] = [
  ['con el fin de que|a fin de que', 'para que', 'con el fin de que'],
  ['con (?:el|la) (?:fin|finalidad|objetivo|propósito) de', 'para', 'con el fin de'],
  ['a fin de(?! cuentas)', 'para', 'a fin de'],
  ['debido a que', 'porque'],
  ['(?:dado|debido al) hecho de que', 'porque', 'debido al hecho de que'],
  ['a pesar (?:del hecho )?de que', 'aunque', 'a pesar de que'],
  ['en este momento|en el momento actual', 'ahora', 'en este momento'],
  ['en la actualidad', 'actualmente'],
  ['hoy en día|en el día de hoy', 'hoy', 'hoy en día'],
  ['en (?:el )?caso de que', 'si', 'en caso de que'],
  ['con respecto (?:a|al)|en relación (?:con|a)|en lo que (?:respecta|se refiere) a', 'sobre', 'con respecto a'],
  ['(?:es importante|hay que|cabe) (?:tener en cuenta|destacar|mencionar) que', '', 'es importante tener en cuenta que'],
  ['tener en cuenta', 'considerar'],
  ['llevar a cabo', 'realizar'],
  ['por medio de', 'mediante'],
  ['en el momento en (?:que|el que)', 'cuando', 'en el momento en que'],
  ['de (?:manera|forma) rápida', 'rápido', 'de manera rápida'],
  ['en un futuro (?:cercano|próximo)', 'pronto', 'en un futuro cercano'],
  ['en primer lugar', 'primero'],
  ['(?:hazme|haz|dame|escríbeme) un (?:breve |pequeño )?resumen (?:breve )?del', 'resume el', 'hazme un resumen del'],
  ['(?:hazme|haz|dame|escríbeme) un (?:breve |pequeño )?resumen (?:breve )?de', 'resume', 'hazme un resumen de'],
  ['¿hay (?:alguna|algún) (?:forma|manera|modo) de', '¿puedo', '¿hay alguna forma de'],
  // Only inside a sentence ("Explícame qué diferencia hay entre X e Y"); at its start it is the question itself.
  ['(?<=\\p{L},? )(?:qué diferencia hay|cuál es la diferencia) entre', 'la diferencia entre', 'qué diferencia hay entre'],
  ['(?<=\\p{L},? )(?:qué diferencias hay|cuáles son las diferencias) entre', 'las diferencias entre', 'qué diferencias hay entre'],
  ['(?:me gustaría|quisiera|quiero) (?:saber|conocer)', 'dime', 'me gustaría saber'],
  ['me gustaría(?! que)', 'quiero', 'me gustaría'],
  ['estoy (?:intentando|tratando de) (?:entender|averiguar)', 'necesito entender', 'estoy intentando entender'],
];

const toRule = ([from, to, label]: Row): Rule => ({
  id: `verbose:${label ?? from}`,
  pattern: phrase(from),
  replace: to,
  advice: () => {
    const quoted = `'${label ?? from}'`;
    return to === '' ? `Remove ${quoted}` : `Replace ${quoted} with '${to}'`;
  },
});

/** The verbose-phrase rule table (recommendations read it too). */
export const VERBOSE_PHRASE_RULES: readonly Rule[] = [...ENGLISH, ...SPANISH].map(toRule);

export const condenseVerbosePhrases: Strategy = (text, ctx) => applyRules(text, VERBOSE_PHRASE_RULES, ctx);
