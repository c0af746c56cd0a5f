import type { Rule } from '../rules.js';
import { applyRules } from '../rules.js';
import { WORD_END, WORD_START, phrase } from '../text.js';
import type { Strategy } from './types.js';

/**
 * System message only. Aggressive: reduce the role preamble to the role itself ("You are a
 * helpful programming assistant." -> "Programming assistant."). Both modes: an instruction
 * wrapped in "Your main job is to" / "You should" is the instruction ("Always be polite").
 */
const FLUFF = '(?:very |extremely |really )?(?:helpful|friendly|kind|polite|nice|useful|smart|intelligent|knowledgeable|patient|honest|respectful|supportive|capable|great|excellent|amazing)';
const FLUFF_ES = '(?:muy )?(?:útil|amable|servicial|simpátic[oa]|atent[oa]|inteligente)';

/** Aggressive only: the role preamble. */
const ROLE_RULES: readonly Rule[] = [
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
  {
    // "Eres el asistente virtual muy útil de X" -> "Asistente virtual de X".
    id: 'system:eres-el',
    pattern: phrase(`${WORD_START}eres (?:el|la) (?=(?:asistente|ayudante|agente|tutor|tutora|experto|experta)${WORD_END})`, false),
    replace: '',
    position: 'sentence-start',
  },
  { id: 'system:fluff-es', pattern: phrase(`(?<=(?:asistente|ayudante|experto|experta|programador|programadora|tutor|tutora)(?: virtual| personal| técnico| técnica| de \\p{L}+)? )${FLUFF_ES}(?:,? y ${FLUFF_ES})?`), replace: '' },
  // Drops a condition that is nearly always true: aggressive only.
  { id: 'system:when-answering', pattern: phrase('when (?:answering|responding)(?: to (?:questions|users|the user))?,'), replace: '', position: 'sentence-start' },
];

/** Both modes: the wrapper around an instruction. */
const INSTRUCTION_RULES: readonly Rule[] = [
  // Before 'you should' (which would leave the bare "not").
  { id: 'system:you-should-not', pattern: phrase('you should not'), replace: 'do not', allowProtected: true },
  { id: 'system:your-task', pattern: phrase('your (?:main |primary )?(?:job|task|role|goal|purpose|mission) is to|tu (?:principal )?(?:tarea|trabajo|función|objetivo|misión) es'), replace: '', position: 'sentence-start' },
  { id: 'system:you-should', pattern: phrase('you should'), replace: '', position: 'sentence-start' },
  // Inside a sentence too: "When asked, you should always call the tool" -> "When asked, always call the tool".
  { id: 'system:you-should-always', pattern: phrase('you should(?= (?:always|never)\\b)'), replace: '' },
];

export const SYSTEM_MESSAGE_RULES: readonly Rule[] = [...ROLE_RULES, ...INSTRUCTION_RULES];

export const shortenSystemMessage: Strategy = (text, ctx) => {
  if (ctx.role !== 'system') return text;
  return applyRules(text, ctx.aggressive ? SYSTEM_MESSAGE_RULES : INSTRUCTION_RULES, ctx);
};
