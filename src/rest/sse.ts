// Writes a stream as Server-Sent Events in the guide's format:
// data: {"chunk_id", "content", "tokens_estimated", "is_complete"}; the final
// event also carries usage and cost. An error after the first byte becomes an
// `event: error` message, since the status line has already gone out.
import type { ServerResponse } from 'node:http';
import { toGatewayError } from '../errors.js';
import type { CompletionResult } from '../gateway/gateway.js';
import type { OutputChunk } from '../gateway/stream-chunks.js';
import type { ToolCallDelta } from '../cache/response-cache.js';
import { toolCallsJson, usageDetailsJson } from './completion-body.js';
import type { Logger } from '../logger.js';

const HEARTBEAT_MS = 15_000;

export function usageJson(r: CompletionResult) {
  return {
    provider: r.provider,
    model: r.model,
    tokens_used: r.tokensUsed,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    estimated_cost: r.estimatedCost,
    cost_estimated: r.costEstimated,
    cached: r.cached,
    optimized: r.optimized,
    tokens_saved: r.tokensSaved,
    finish_reason: r.finishReason,
    tool_calls: toolCallsJson(r.toolCalls),
    usage_details: usageDetailsJson(r),
    latency_ms: r.latencyMs,
  };
}

/** A tool-call piece in OpenAI's chunk shape (choices[].delta.tool_calls[]): only the fields it carries. */
export function toolCallDeltaJson(d: ToolCallDelta) {
  const fn: { name?: string; arguments?: string } = {};
  if (d.name !== undefined) fn.name = d.name;
  if (d.arguments !== undefined) fn.arguments = d.arguments;
  return { index: d.index, ...(d.id !== undefined ? { id: d.id, type: 'function' as const } : {}), function: fn };
}

export async function writeSse(res: ServerResponse, chunks: AsyncGenerator<OutputChunk>, logger: Logger, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  try {
    for await (const c of chunks) {
      if (res.destroyed) break;
      const event = {
        chunk_id: c.chunkId,
        content: c.content,
        tokens_estimated: c.tokensEstimated,
        is_complete: c.isComplete,
        ...(c.toolCalls ? { tool_calls: c.toolCalls.map(toolCallDeltaJson) } : {}),
        ...(c.result ? usageJson(c.result) : {}),
      };
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  } catch (e) {
    const err = toGatewayError(e);
    if (err.code === 'INTERNAL') logger.error('stream failed', { error: e instanceof Error ? e.message : String(e) });
    if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify({ status: 'error', error: err.toJSON() })}\n\n`);
  } finally {
    clearInterval(heartbeat);
    // Stops the generator (and so the upstream request) if we left the loop early.
    await chunks.return(undefined).catch(() => {});
    if (!res.destroyed) res.end();
  }
}
