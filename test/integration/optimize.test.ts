// Prompt optimization and batch de-duplication over REST and GraphQL, and
// optimization applied inside completions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchAnalysisDocument, BatchCompleteDocument, BatchOptimizeDocument, OptimizationAdviceDocument, OptimizePromptDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { countTokens } from '../../src/optimize/tokenizer.js';

const GUIDE_PROMPT = 'Please help me. I would like you to write Python code for sorting data. Thanks in advance.';

describe.each(BACKENDS)('optimization and batches on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock, { ENABLE_OPTIMIZATION: 'true' }) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  it('optimizes the guide example with true token counts', async () => {
    const r = await t.request('POST', '/api/ai/optimize', {
      token, body: { prompt: GUIDE_PROMPT, system_message: 'You are a helpful programming assistant', aggressive: false },
    });
    expect(r.status).toBe(200);
    expect(r.body.optimized_prompt).toBe('Write Python code for sorting data.');
    expect(r.body.optimized_system_message).toBe('You are a helpful programming assistant');
    const saved = countTokens(GUIDE_PROMPT) - countTokens(r.body.optimized_prompt);
    expect(r.body.stats).toMatchObject({ original_length: GUIDE_PROMPT.length + 39, tokens_saved: saved });
    expect(r.body.stats.strategies_applied).toContain('remove_politeness');
    const g = await t.exec(OptimizePromptDocument, { prompt: GUIDE_PROMPT, aggressive: true, systemMessage: 'You are a helpful programming assistant' }, token);
    expect(g.data!.optimizePrompt.optimizedSystemMessage).toBe('Programming assistant');
  });

  it('gives recommendations and estimates as the guide shows', async () => {
    const rec = await t.request('POST', '/api/ai/optimize/recommendations', { token, body: { prompt: GUIDE_PROMPT } });
    expect(rec.body.has_optimization_opportunities).toBe(true);
    expect(rec.body.recommendations.join(' ')).toMatch(/Please/);
    const est = await t.request('POST', '/api/ai/optimize/estimate', { token, body: { prompt: GUIDE_PROMPT, aggressive: false } });
    expect(est.body).toMatchObject({ original_chars: GUIDE_PROMPT.length, mode: 'normal' });
    expect(est.body.estimated_tokens_saved).toBeGreaterThan(0);
    const g = await t.exec(OptimizationAdviceDocument, { prompt: 'Explain quantum computing' }, token);
    expect(g.data!.optimizationRecommendations.hasOptimizationOpportunities).toBe(false);
    expect(g.data!.optimizationEstimate.estimatedTokensSaved).toBe(0);
    const bad = await t.request('POST', '/api/ai/optimize', { token, body: { prompt: 42 } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('optimizes completions automatically, says how many tokens it saved, and can be turned off per request', async () => {
    const on = await t.request('POST', '/api/ai/openai', { token, body: { prompt: GUIDE_PROMPT } });
    expect(on.body.optimized).toBe(true);
    expect(on.body.tokens_saved).toBeGreaterThan(5);
    const sent = mock.requests.at(-1)!.body as { messages: { content: string }[] };
    expect(sent.messages.at(-1)!.content).toBe('Write Python code for sorting data.');
    const off = await t.request('POST', '/api/ai/openai', { token, body: { prompt: GUIDE_PROMPT, optimize: false } });
    expect(off.body).toMatchObject({ optimized: false, tokens_saved: 0, cached: false });
    expect((mock.requests.at(-1)!.body as { messages: { content: string }[] }).messages.at(-1)!.content).toBe(GUIDE_PROMPT);
    // The optimized prompt is what the cache keys on: a politer variant hits the same entry.
    const variant = await t.request('POST', '/api/ai/openai', { token, body: { prompt: 'Please write Python code for sorting data. Thanks in advance!' } });
    expect(variant.body.cached).toBe(true);
  });

  it('groups the guide batch and estimates as the guide shows', async () => {
    const prompts = ['Write a function', 'Write a function', 'Write a function', 'Create a class', 'Create a class', 'Generate documentation'];
    const r = await t.request('POST', '/api/ai/batch/optimize', { token, body: { prompts, detect_similar: true } });
    expect(Object.values(r.body.grouped_prompts)).toEqual([[0, 1, 2], [3, 4], [5]]);
    expect(r.body.optimization_map['0']).toBe(r.body.optimization_map['2']);
    expect(Object.values(r.body.representative_prompts)).toEqual(['Write a function', 'Create a class', 'Generate documentation']);
    expect(r.body.stats).toEqual({ original_prompts: 6, grouped_prompts: 3, duplicates_detected: 3, api_calls_saved: 3, cost_savings_percentage: 50 });
    const est = await t.request('POST', '/api/ai/batch/estimate', { token, body: { prompts: ['prompt1', 'prompt1', 'prompt2', 'prompt2', 'prompt2'] } });
    expect(est.body).toEqual({ original_count: 5, estimated_optimized_count: 2, api_calls_saved: 3, cost_savings_percentage: 60 });
    const g = await t.exec(BatchOptimizeDocument, { prompts, detectSimilar: true }, token);
    expect(g.data!.batchOptimize.groups.map((x) => x.indices)).toEqual([[0, 1, 2], [3, 4], [5]]);
  });

  it('finds the guide similarity match: 0 and 1 at 0.8, prompt 2 matches neither', async () => {
    const prompts = ['Write Python code', 'Generate Python code', 'Write JavaScript code'];
    const r = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts, similarity_threshold: 0.8 } });
    expect(r.body).toMatchObject({ similarity_threshold: 0.8, prompt_count: 3, total_matches: 1 });
    expect(r.body.matches).toHaveLength(1);
    expect(r.body.matches[0]).toMatchObject({ prompt1_index: 0, prompt2_index: 1, is_match: true });
    expect(r.body.matches[0].similarity_score).toBeGreaterThanOrEqual(0.8);
    expect(r.body.matches[0].similarity_score).toBeLessThanOrEqual(1);
    const g = await t.exec(BatchAnalysisDocument, { prompts, threshold: 0.8 }, token);
    expect(g.data!.batchSimilarity.map((m) => [m.prompt1Index, m.prompt2Index])).toEqual([[0, 1]]);
    const bad = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts, similarity_threshold: 3 } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('completes a batch sending only the unique prompts upstream, answers in order', async () => {
    const prompts = ['What is Redis?', 'what is redis', 'What is PostgreSQL?', 'What is Redis?', 'Explain GraphQL'];
    const r = await t.request('POST', '/api/ai/batch/complete', { token, body: { prompts, provider: 'gemini', max_tokens: 20, optimize: false } });
    expect(r.status).toBe(200);
    expect(mock.count('gemini')).toBe(3);
    expect(r.body.results.map((x: { index: number }) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r.body.results[1].response).toBe(r.body.results[0].response);
    expect(r.body.results[3].response).toBe(r.body.results[0].response);
    expect(r.body.results[2].response).toContain('What is PostgreSQL?');
    expect(r.body).toMatchObject({ api_calls_made: 3, api_calls_saved: 2 });
    // Again: the cache answers every group.
    const again = await t.exec(BatchCompleteDocument, { input: { prompts, provider: 'gemini', maxTokens: 20, optimize: false } }, token);
    expect(again.data!.batchComplete).toMatchObject({ apiCallsMade: 0, apiCallsSaved: 5 });
    expect(again.data!.batchComplete.results.every((x) => x.result!.cached)).toBe(true);
    expect(mock.count('gemini')).toBe(3);
  });
});

describe('similarity through an embeddings provider', () => {
  it('uses the configured embeddings provider, and the local similarity when it fails', async () => {
    const mock = await startMockUpstream();
    const t = await startTestApp({ backend: 'embedded', env: mockProviderEnv(mock, { EMBEDDINGS_PROVIDER: 'openai' }) });
    try {
      const token = await t.adminToken();
      const prompts = ['Write Python code', 'Generate Python code', 'Write JavaScript code'];
      const r = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts, similarity_threshold: 0.8 } });
      expect(r.status).toBe(200);
      expect(r.body.similarity_method).toBe('embeddings:openai');
      expect(mock.requests.some((q) => q.path === '/openai/v1/embeddings')).toBe(true);
      for (const m of r.body.matches) expect(m.similarity_score).toBeGreaterThanOrEqual(0.8);
      mock.enqueue('openai', { status: 500 });
      const fallback = await t.request('POST', '/api/ai/batch/optimize', { token, body: { prompts: ['a b', 'a b'], detect_similar: true } });
      expect(fallback.status).toBe(200);
      expect(fallback.body.stats.grouped_prompts).toBe(1);
    } finally {
      await t.stop();
      await mock.close();
    }
  });
});
