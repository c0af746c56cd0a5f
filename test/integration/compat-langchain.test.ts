// LangChain's ChatOpenAI pointed at the gateway's /v1 runs an agent's tool-calling round
// trip: the model asks for a tool, LangChain runs it, the model answers with its result;
// answered and streamed, on providers that are not OpenAI.
import { ChatOpenAI } from '@langchain/openai';
import { AIMessageChunk, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startCompatGateway, type CompatGateway } from '../helpers/compat.js';

const QUESTION = 'What is the weather in Paris today?';
const WEATHER_ARGS = { city: QUESTION.slice(0, 40), days: QUESTION.split(' ').length };
const RESULT = '{"temp_c":21,"sky":"clear"}';

describe('LangChain ChatOpenAI through the gateway', () => {
  let g: CompatGateway;
  const ran: unknown[] = [];
  const weather = tool(
    async (args) => {
      ran.push(args);
      return RESULT;
    },
    {
      name: 'get_weather',
      description: 'The weather in a city',
      schema: z.object({ city: z.string().describe('City name'), days: z.number().int() }),
    },
  );

  beforeAll(async () => {
    g = await startCompatGateway();
  }, 60_000);
  afterAll(async () => {
    await g?.stop();
  });

  const chat = (model: string) => new ChatOpenAI({ model, apiKey: g.apiKey, configuration: { baseURL: `${g.t.url}/v1` }, maxRetries: 0 });

  for (const model of ['gemini/gemini-2.0-flash', 'claude-3-5-sonnet-20241022', 'ollama/llama3.1']) {
    it(`runs a tool-calling round trip on ${model}, answered and streamed`, async () => {
      ran.length = 0;
      const llm = chat(model).bindTools([weather]);
      const messages: BaseMessage[] = [new HumanMessage(QUESTION)];
      const ai = await llm.invoke(messages);
      expect(ai.tool_calls).toHaveLength(1);
      expect([ai.tool_calls![0]!.name, ai.tool_calls![0]!.args]).toEqual(['get_weather', WEATHER_ARGS]);
      messages.push(ai, await weather.invoke(ai.tool_calls![0]!));
      expect(ran).toEqual([WEATHER_ARGS]);
      const final = await llm.invoke(messages);
      expect(final.tool_calls).toEqual([]);
      expect(String(final.content)).toContain('temp_c');

      // Streamed (the cache's answer to the first question, replayed as chunks): LangChain
      // assembles the tool-call deltas into the same call.
      let streamed: AIMessageChunk | undefined;
      for await (const chunk of await llm.stream([new HumanMessage(QUESTION)])) streamed = streamed ? streamed.concat(chunk) : chunk;
      expect(streamed!.tool_calls!.map((c) => [c.name, c.args])).toEqual([['get_weather', WEATHER_ARGS]]);
      expect(streamed!.usage_metadata?.output_tokens).toBe(ai.usage_metadata?.output_tokens);
    });
  }
});
