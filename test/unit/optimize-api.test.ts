import { describe, expect, it } from 'vitest';
import { estimateSavings } from '../../src/optimize/estimate.js';
import { optimizePrompt } from '../../src/optimize/optimizer.js';
import { recommendOptimizations } from '../../src/optimize/recommendations.js';
import { boundedPieces, countTokens, tokenizerFor, tokenizerIsExact } from '../../src/optimize/tokenizer.js';
import { encode } from 'gpt-tokenizer';

const GUIDE_PROMPT = 'Please help me. I would like you to write Python code for sorting data. Thanks in advance.';

describe('countTokens', () => {
  it('picks the BPE encoding of the model family', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'o1', 'o3-mini', 'gpt-4.1', 'gpt-5', 'claude-3-5-sonnet', 'llama3', undefined]) {
      expect(tokenizerFor(model), String(model)).toBe('o200k_base');
    }
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-4-0613', 'gpt-3.5-turbo', 'text-embedding-3-small', 'text-embedding-ada-002']) {
      expect(tokenizerFor(model), model).toBe('cl100k_base');
    }
  });

  it("says when the encoding is only an approximation of the model's own tokenizer", () => {
    for (const model of ['gpt-4o', 'gpt-4', 'o3-mini', 'text-embedding-3-small', 'local-sim', undefined]) expect(tokenizerIsExact(model), String(model)).toBe(true);
    for (const model of ['claude-3-5-sonnet', 'gemini-1.5-pro', 'command-r', 'llama3', 'mistral-large']) expect(tokenizerIsExact(model), model).toBe(false);
    const prompt = 'Please help me. I would like you to write Python code for sorting data. Thanks in advance.';
    const gpt4 = optimizePrompt({ prompt, model: 'gpt-4' }).stats;
    expect(gpt4).toMatchObject({ tokenizer: 'cl100k_base', tokenizerExact: true, originalTokens: countTokens(prompt, 'gpt-4') });
    expect(optimizePrompt({ prompt, model: 'claude-3-5-sonnet' }).stats).toMatchObject({ tokenizer: 'o200k_base', tokenizerExact: false });
  });

  it('counts real BPE tokens, not characters / 4', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('hello world', 'gpt-4')).toBe(2);
    // Known counts of the real encodings (chars / 4 would give 10 for both).
    const russian = 'Переведи этот текст на английский язык';
    expect(countTokens(russian, 'gpt-4o')).toBe(9);
    expect(countTokens(russian, 'gpt-4')).toBe(19);
  });

  it('counts natural text exactly as the encoding does, and hands long runs over in pieces', () => {
    const natural = `${GUIDE_PROMPT}\n\n    indented code();\nÑandú, 中文字符, emoji 😀👍🏽 and https://example.com/a/b?c=d`;
    expect(boundedPieces(natural)).toEqual([natural]);
    expect(countTokens(natural)).toBe(encode(natural).length);
    for (const run of ['a'.repeat(1_000), ' '.repeat(1_000), '='.repeat(1_000), '😀'.repeat(500)]) {
      const pieces = boundedPieces(`start ${run} end`);
      expect(pieces.join('')).toBe(`start ${run} end`);
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(70);
      // Never a lone surrogate at a cut.
      expect(pieces.every((p) => !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p))).toBe(true);
    }
  });

  it('counts special-token text as ordinary text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });
});

describe('optimizePrompt', () => {
  it("optimizes the guide's example and reports true token statistics", () => {
    const { optimizedPrompt, optimizedSystemMessage, stats } = optimizePrompt({ prompt: GUIDE_PROMPT });
    expect(optimizedPrompt).toBe('Write Python code for sorting data.');
    expect(optimizedSystemMessage).toBeNull();
    expect(stats.originalLength).toBe(GUIDE_PROMPT.length);
    expect(stats.optimizedLength).toBe(optimizedPrompt.length);
    expect(stats.originalTokens).toBe(countTokens(GUIDE_PROMPT));
    expect(stats.optimizedTokens).toBe(countTokens(optimizedPrompt));
    expect(stats.tokensSaved).toBe(stats.originalTokens - stats.optimizedTokens);
    expect(stats.reductionPercentage).toBe(Math.round((stats.tokensSaved / stats.originalTokens) * 1000) / 10);
    expect(stats.strategiesApplied).toEqual(['remove_politeness']);
  });

  it('counts the system message and shortens it in aggressive mode only', () => {
    const input = { prompt: 'Explain   closures in order to help me learn.', systemMessage: 'You are a helpful programming assistant.' };
    const normal = optimizePrompt(input);
    expect(normal.optimizedSystemMessage).toBe('You are a helpful programming assistant.');
    expect(normal.stats.strategiesApplied).toEqual(['normalize_whitespace', 'condense_verbose_phrases']);
    const aggressive = optimizePrompt({ ...input, aggressive: true, model: 'gpt-4' });
    expect(aggressive.optimizedSystemMessage).toBe('Programming assistant.');
    expect(aggressive.stats.strategiesApplied).toContain('shorten_system_message');
    expect(aggressive.stats.originalLength).toBe(input.prompt.length + input.systemMessage.length);
    expect(aggressive.stats.originalTokens).toBe(countTokens(input.prompt, 'gpt-4') + countTokens(input.systemMessage, 'gpt-4'));
  });

  it('reports nothing for an already direct prompt', () => {
    const { optimizedPrompt, stats } = optimizePrompt({ prompt: 'List three sorting algorithms.' });
    expect(optimizedPrompt).toBe('List three sorting algorithms.');
    expect(stats).toMatchObject({ tokensSaved: 0, reductionPercentage: 0, strategiesApplied: [] });
  });

  it('handles empty input', () => {
    expect(optimizePrompt({ prompt: '' }).stats).toMatchObject({ originalTokens: 0, reductionPercentage: 0 });
  });
});

describe('recommendOptimizations', () => {
  it("explains the guide's example", () => {
    const { recommendations, hasOptimizationOpportunities } = recommendOptimizations(`${GUIDE_PROMPT} Sort it in order to rank it. Sort it in order to rank it.`);
    expect(hasOptimizationOpportunities).toBe(true);
    expect(recommendations).toEqual(expect.arrayContaining([
      "Remove 'Please help me'",
      "Replace 'I would like you to' with a direct command",
      "Remove 'Thanks in advance'",
      "Replace 'in order to' with 'to'",
      'Remove the repeated sentence "Sort it in order to rank it."',
    ]));
  });

  it('mentions the leading please, the system message and Spanish phrases', () => {
    expect(recommendOptimizations('Please write a test.').recommendations).toEqual(["Remove 'Please' at the beginning"]);
    expect(recommendOptimizations('Write a test.', 'You are a helpful assistant.').recommendations)
      .toEqual(["Shorten the system message to the role itself (e.g. 'Programming assistant')"]);
    expect(recommendOptimizations('Lo necesito con el fin de aprender.').recommendations).toEqual(["Replace 'con el fin de' with 'para'"]);
  });

  it('has nothing to say about a terse prompt', () => {
    expect(recommendOptimizations('Explain the CAP theorem.')).toEqual({ recommendations: [], hasOptimizationOpportunities: false });
  });
});

describe('estimateSavings', () => {
  it('reports the numbers of a real optimization run', () => {
    for (const aggressive of [false, true]) {
      const estimate = estimateSavings(GUIDE_PROMPT, aggressive);
      const { optimizedPrompt, stats } = optimizePrompt({ prompt: GUIDE_PROMPT, aggressive });
      expect(estimate).toEqual({
        originalChars: GUIDE_PROMPT.length,
        estimatedReductionChars: GUIDE_PROMPT.length - optimizedPrompt.length,
        estimatedTokensSaved: stats.tokensSaved,
        estimatedReductionPercentage: stats.reductionPercentage,
        mode: aggressive ? 'aggressive' : 'normal',
      });
    }
  });
});
