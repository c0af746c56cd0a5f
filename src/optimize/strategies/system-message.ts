import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { WORD_START, phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * Aggressive, system message only: reduce the role preamble to the role itself
 * ("You are a helpful programming assistant." -> "Programming assistant.").
 */
const FLUFF = '(?:very |extremely |really )?(?:helpful|friendly|kind|polite|nice|useful|smart|intelligent|knowledgeable|patient|honest|respectful|supportive|capable|great|excellent|amazing)';
const FLUFF_ES = '(?:muy )?(?:útil|amable|servicial|simpátic[oa]|atent[oa]|inteligente)';

export const SYSTEM_MESSAGE_RULES: readonly Rule[] = [
  {
    id: 'system:you-are',
    pattern: phrase(`${WORD_START}you are (?:an? )?(?:${FLUFF}(?:,| and|, and)? )*(?=\\S)`, false),
    replace: '',
    position: 'sentence-start',
    advice: () => "Shorten the system message to the role itself (e.g. 'Programming assistant')",
  },
  {
    id: 'system:eres',
    pattern: phrase(`${WORD_START}eres (?:un|una) `, false),
    replace: '',
    position: 'sentence-start',
    advice: () => "Shorten the system message to the role itself (e.g. 'Asistente de programación')",
  },
  { id: 'system:fluff-es', pattern: phrase(`(?<=(?:asistente|ayudante|experto|experta|programador|programadora) )${FLUFF_ES}(?:,? y ${FLUFF_ES})?`), replace: '' },
  { id: 'system:your-task', pattern: phrase('your (?:main |primary )?(?:job|task|role|goal|purpose|mission) is to|tu (?:principal )?(?:tarea|trabajo|función|objetivo|misión) es'), replace: '', position: 'sentence-start' },
  { id: 'system:you-should', pattern: phrase('you should'), replace: '', position: 'sentence-start' },
  // Inside a sentence too: "When asked, you should always call the tool" -> "When asked, always call the tool".
  { id: 'system:you-should-always', pattern: phrase('you should(?= (?:always|never)\\b)'), replace: '' },
  { id: 'system:you-should-not', pattern: phrase('you should not'), replace: 'do not', allowProtected: true },
  { id: 'system:when-answering', pattern: phrase('when (?:answering|responding)(?: to (?:questions|users|the user))?,'), replace: '', position: 'sentence-start' },
];

export const shortenSystemMessage: Strategy = (text, ctx) =>
  ctx.role === 'system' ? applyRules(text, SYSTEM_MESSAGE_RULES, ctx) : text;
