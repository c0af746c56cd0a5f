// Small helpers for the node:http side of the server: JSON bodies with a size
// bound, JSON answers, and the REST error shape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, toGatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeBuffered, takeWhole } from '../buffered-body.js';

/**
 * The request body, up to maxBytes (PAYLOAD_TOO_LARGE past it). A small body usually comes
 * in the packet that carried the headers: one microtask after the handler starts, the HTTP
 * parser has put it in the stream's buffer. The message is marked complete a step later in
 * the same parse, so a body whose Content-Length bytes are all buffered is taken from
 * there too (the stream then ends by itself once the parser ends the message). Otherwise
 * it is read with events as it arrives.
 */
export async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (!req.complete) await undefined;
  const whole = req.readableLength > maxBytes ? null : req.complete ? takeBuffered(req) : takeWhole(req, declaredLength(req));
  return whole ?? readArriving(req, maxBytes);
}

/** The body's length as its Content-Length gives it; NaN without one (or when chunked). */
function declaredLength(req: IncomingMessage): number {
  const declared = req.headers['content-length'];
  return declared === undefined || req.headers['transfer-encoding'] !== undefined ? NaN : Number(declared);
}

/** The body read as it arrives, with events (no promise per chunk). */
function readArriving(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else {
        cleanup();
        req.resume();
        reject(new GatewayError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onAborted = () => onError(new GatewayError('BAD_REQUEST', 'The client closed the connection before sending the whole body', { status: 499 }));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onAborted);
  });
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw new GatewayError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`);
  }
  const body = await readBytes(req, maxBytes);
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('MALFORMED_JSON', 'Request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** The REST error shape: {status: "error", error: {code, message}}; unexpected errors are masked and logged. */
export function sendError(res: ServerResponse, e: unknown, logger: Logger, extraHeaders: Record<string, string> = {}) {
  const err = toGatewayError(e);
  if (err.code === 'INTERNAL') logger.error('unexpected error', { error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { ...err.headers, ...extraHeaders };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(err.retryAfter));
  sendJson(res, err.status, { status: 'error', error: err.toJSON() }, headers);
}
