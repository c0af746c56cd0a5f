// Prompt optimization and batch de-duplication over REST and GraphQL, and
// optimization applied inside completions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchAnalysisDocument, BatchCompleteDocument, BatchOptimizeDocument, OptimizationAdviceDocument, OptimizePromptDocument } from '../generated/graphql.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BACKENDS } from '../helpers/env.js';
import { mockProviderEnv } from '../helpers/mock-env.js';
import { MAX_BATCH_PROMPTS, MAX_OPTIMIZE_CHARS, MAX_SIMILARITY_PAIRS } from '../../src/optimize/limits.js';
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
    // Counted with the tokenizer of the model that is billed: gpt-4 is cl100k_base, the default o200k_base.
    const gpt4 = await t.request('POST', '/api/ai/openai', { token, body: { prompt: GUIDE_PROMPT, model: 'gpt-4', no_cache: true } });
    expect(gpt4.body.tokens_saved).toBe(countTokens(GUIDE_PROMPT, 'gpt-4') - countTokens('Write Python code for sorting data.', 'gpt-4'));
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

  it('answers 413 for text past the limits, on REST and GraphQL alike, and handles hostile text within them', async () => {
    const long = 'a'.repeat(MAX_OPTIMIZE_CHARS + 1);
    for (const path of ['/api/ai/optimize', '/api/ai/optimize/recommendations', '/api/ai/optimize/estimate']) {
      for (const prompt of [long, 'a'.repeat(1_000_000)]) {
        const r = await t.request('POST', path, { token, body: { prompt } });
        expect([r.status, r.body.error.code, r.body.error.details], path).toEqual([413, 'PAYLOAD_TOO_LARGE', { field: 'prompt', limit: MAX_OPTIMIZE_CHARS }]);
      }
    }
    const g = await t.gql('mutation($p: String!) { optimizePrompt(prompt: $p) { optimizedPrompt } }', { p: long }, token);
    expect(g.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    // Within the limit, hostile text gets an answer.
    for (const prompt of ['('.repeat(MAX_OPTIMIZE_CHARS), `a${' '.repeat(MAX_OPTIMIZE_CHARS - 2)}b`, 'please '.repeat(MAX_OPTIMIZE_CHARS / 7)]) {
      const r = await t.request('POST', '/api/ai/optimize/recommendations', { token, body: { prompt } });
      expect(r.status).toBe(200);
    }
  });

  it('caps the prompts of a batch and the pairs of a similarity answer: 413, never an exhausted heap', async () => {
    const short = (n: number) => Array.from({ length: n }, (_, i) => `Write test ${i}`);
    const tooMany = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts: short(6_000), similarity_threshold: 0 } });
    expect([tooMany.status, tooMany.body.error.code, tooMany.body.error.details]).toEqual([413, 'PAYLOAD_TOO_LARGE', { field: 'prompts', limit: MAX_BATCH_PROMPTS }]);
    const pairs = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts: short(MAX_BATCH_PROMPTS), similarity_threshold: 0 } });
    expect([pairs.status, pairs.body.error.details]).toEqual([413, { field: 'similarity_threshold', limit: MAX_SIMILARITY_PAIRS }]);
    const g = await t.gql('query($p: [String!]!) { batchSimilarity(prompts: $p, similarityThreshold: 0) { prompt1Index } }', { p: short(MAX_BATCH_PROMPTS) }, token);
    expect(g.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    for (const path of ['/api/ai/batch/optimize', '/api/ai/batch/estimate', '/api/ai/batch/complete']) {
      const empty = await t.request('POST', path, { token, body: { prompts: ['fine', ''] } });
      expect([empty.status, empty.body.error.code], path).toEqual([400, 'VALIDATION_ERROR']);
      const many = await t.request('POST', path, { token, body: { prompts: short(6_000) } });
      expect([many.status, many.body.error.code], path).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    }
    const est = await t.gql('query($p: [String!]!) { batchEstimate(prompts: $p) { originalCount } }', { p: short(6_000) }, token);
    expect(est.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
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

describe.each(BACKENDS)('batch complete answers each prompt with its own request on %s', (backend) => {
  let mock: MockUpstream;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await startTestApp({ backend, env: mockProviderEnv(mock, { ENABLE_CACHING: 'false' }) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.stop();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  const complete = (body: Record<string, unknown>) => t.request('POST', '/api/ai/batch/complete', { token, body: { provider: 'gemini', max_tokens: 20, optimize: false, ...body } });

  it('never answers a negated prompt with the plain one, even when similar grouping is asked for', async () => {
    const prompts = ['Delete the old log files', 'Do not delete the old log files'];
    const r = await complete({ prompts, detect_similar: true, similarity_threshold: 0.5 });
    expect(r.status).toBe(200);
    expect(mock.count('gemini')).toBe(2);
    expect(r.body.results.map((x: { answered_by_index: number }) => x.answered_by_index)).toEqual([0, 1]);
    expect(r.body.results[1].response).toContain('Do not delete the old log files');
    expect(r.body.blocked_pairs).toEqual([{ prompt1_index: 0, prompt2_index: 1, blocked_by: ['negation'] }]);
    const sim = await t.request('POST', '/api/ai/batch/similarity', { token, body: { prompts, similarity_threshold: 0.8 } });
    expect(sim.body.total_matches).toBe(0);
    expect(sim.body.matches).toEqual([{ prompt1_index: 0, prompt2_index: 1, similarity_score: 0, is_match: false, blocked_by: ['negation'], score_before_guards: expect.any(Number) }]);
    expect(sim.body.matches[0].score_before_guards).toBeGreaterThanOrEqual(0.8);
  });

  it('answers exact duplicates (whitespace and case) with one call, billed once', async () => {
    const prompts = ['What is Redis?', '  what is   REDIS ', 'Explain GraphQL', 'What is Redis?'];
    const r = await complete({ prompts });
    expect(mock.count('gemini')).toBe(2);
    const lines = r.body.results as { answered_by_index: number; response: string; tokens_used: number; estimated_cost: number }[];
    expect(lines.map((x) => x.answered_by_index)).toEqual([0, 0, 2, 0]);
    expect(lines[1]!.response).toBe(lines[0]!.response);
    expect(lines[0]!.tokens_used).toBeGreaterThan(0);
    expect(lines[0]!.estimated_cost).toBeGreaterThan(0);
    for (const duplicate of [lines[1]!, lines[3]!]) expect([duplicate.tokens_used, duplicate.estimated_cost]).toEqual([0, 0]);
    expect(r.body.total_estimated_cost).toBeCloseTo(lines[0]!.estimated_cost + lines[2]!.estimated_cost, 10);
    expect(r.body).toMatchObject({ api_calls_made: 2, api_calls_saved: 2 });
    // Case inside quoted text or code is part of the request.
    const code = await complete({ prompts: ['Rename `userId` to `userID`', 'Rename `userID` to `userId`'] });
    expect(code.body.results.map((x: { answered_by_index: number }) => x.answered_by_index)).toEqual([0, 1]);
  });

  it('groups similar prompts only when asked to, and says which prompt answered', async () => {
    const prompts = ['Write a haiku about autumn', 'Could you write a haiku about autumn?', 'Write a haiku about spring'];
    const separate = await complete({ prompts });
    expect(mock.count('gemini')).toBe(3);
    expect(separate.body.results.map((x: { answered_by_index: number }) => x.answered_by_index)).toEqual([0, 1, 2]);
    mock.reset();
    const grouped = await complete({ prompts, detect_similar: true, similarity_threshold: 0.8 });
    expect(mock.count('gemini')).toBe(2);
    expect(grouped.body.results.map((x: { answered_by_index: number }) => x.answered_by_index)).toEqual([0, 0, 2]);
    expect(grouped.body.results[1].response).toBe(grouped.body.results[0].response);
    const g = await t.gql(
      'mutation($input: BatchCompleteInput!) { batchComplete(input: $input) { results { index answeredByIndex result { tokensUsed } } blockedPairs { prompt1Index prompt2Index blockedBy } } }',
      { input: { prompts: ['Keep the old backups', 'Delete the old backups'], provider: 'gemini', maxTokens: 20, optimize: false, detectSimilar: true, similarityThreshold: 0.3 } },
      token,
    );
    expect(g.body.data.batchComplete.results.map((x: { answeredByIndex: number }) => x.answeredByIndex)).toEqual([0, 1]);
    expect(g.body.data.batchComplete.blockedPairs).toEqual([{ prompt1Index: 0, prompt2Index: 1, blockedBy: ['polarity'] }]);
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
