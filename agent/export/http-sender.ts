/**
 * POSTs export bodies with the OTLP/HTTP retry rules: 429, 502, 503, 504 and network errors are retried with
 * jittered exponential backoff (honouring Retry-After, within bounds) until a deadline; every other status is final.
 *
 * Every request has a total deadline, not only an idle timeout: a server that trickles one byte a second resets an
 * idle timer for ever, and would hold the exporter (and every batch after it) hostage.
 *
 * The agent's own calls must never be traced (a traced export would feed spans back into the exporter): we hold `http.request` / `https.request` as they
 * were when this module loaded, before the http client instrumentation wraps them, and run every call with
 * tracing suppressed so no other instrumentation (OTel's net/dns, say) sees it either.
 */
import type * as http from 'node:http';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { loadHttp, loadHttps, originalRequest } from '../builtins.js';

/**
 * The context the agent's own requests run in: no request's (an export or a poll belongs to none, and its socket,
 * kept alive for later sends, would otherwise hold on to the span that happened to be active), with tracing
 * suppressed so the http instrumentation does not trace them.
 */
const OUTSIDE_ANY_REQUEST = suppressTracing(ROOT_CONTEXT);

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
export const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 32_000;
/** `Retry-After: 0` or a date in the past must not become a retry storm, nor a huge value a stalled exporter. */
export const MIN_RETRY_AFTER_MS = 1000;
export const MAX_RETRY_AFTER_MS = 60_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Created on first use, so that defining a target does not load http/https (builtins.ts). */
  readonly agent: http.Agent;
  /** Where the API key in `headers` came from, for a refused-key message; undefined when no key is sent. */
  readonly keyVariable: string | undefined;
}

export interface SendResult {
  ok: boolean;
  status: number | undefined;
  retryable: boolean;
  retryAfterMs: number | undefined;
  error: Error | undefined;
  attempts: number;
}

export function createTarget(url: string, headers: Readonly<Record<string, string>>, keyVariable?: string): SendTarget {
  const parsed = new URL(url);
  let agent: http.Agent | undefined;
  const sendsKey = Object.keys(headers).some((name) => name.toLowerCase() === 'x-api-key');
  return {
    url: parsed,
    headers,
    keyVariable: sendsKey ? keyVariable ?? 'TRACEKIT_API_KEY' : undefined,
    get agent() {
      const agentOptions = { keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: 30_000 };
      agent ??= parsed.protocol === 'https:' ? new (loadHttps().Agent)(agentOptions) : new (loadHttp().Agent)(agentOptions);
      return agent;
    },
  };
}

/** One POST; resolves (never rejects) with what happened. */
export function postOnce(target: SendTarget, body: Uint8Array | string, contentType: string, timeoutMs: number): Promise<SendResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'attempts'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, attempts: 1 });
    };
    const fail = (error: Error) => finish({ ok: false, status: undefined, retryable: true, retryAfterMs: undefined, error });
    const finishWith = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      finish({
        ok: status >= 200 && status < 300,
        status,
        retryable: RETRYABLE_STATUS.has(status),
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
        error: undefined,
      });
    };
    let answered: http.IncomingMessage | undefined;
    try {
      const url = target.url;
      const request = originalRequest(url.protocol);
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      context.with(OUTSIDE_ANY_REQUEST, () => {
        const req = request(url, {
          method: 'POST',
          agent: target.agent,
          headers: { ...target.headers, 'Content-Type': contentType, 'Content-Length': String(payload.byteLength) },
        }, (res) => {
          answered = res;
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            // A huge (or decompression-bomb) answer: its status is all we need, the rest is never buffered.
            if (received > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on('error', () => undefined);
          res.on('close', () => finishWith(res));
        });
        // Once the status line is in, the server has decided: a body still trickling in when the deadline comes
        // does not turn an accepted export into a failure that would be retried (and duplicated).
        armDeadline(req, timeoutMs, (error) => (answered === undefined ? fail(error) : finishWith(answered)));
        req.on('error', fail);
        // Export traffic must never keep the host process alive; shutdown flushes hold a timer instead.
        req.on('socket', (socket) => socket.unref());
        req.end(payload);
      });
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * Retries per the OTLP spec until `deadline()` (epoch ms). The deadline is read again before every attempt and
 * every backoff, so a shutdown that shortens it also cuts short an export that was already retrying.
 */
export async function postWithRetry(
  target: SendTarget,
  body: Uint8Array | string,
  contentType: string,
  deadline: () => number,
  requestTimeoutMs: number,
  maxAttempts = Infinity,
): Promise<SendResult> {
  let backoff = INITIAL_BACKOFF_MS;
  let attempts = 0;
  for (;;) {
    const remaining = deadline() - Date.now();
    const result = await postOnce(target, body, contentType, Math.max(1, Math.min(requestTimeoutMs, remaining)));
    attempts++;
    result.attempts = attempts;
    if (result.ok || !result.retryable || attempts >= maxAttempts) return result;
    const wait = retryDelay(backoff, result.retryAfterMs);
    if (Date.now() + wait >= deadline()) return result;
    await sleep(wait);
    if (Date.now() >= deadline()) return result;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/**
 * The wait before the next attempt: never shorter than the jittered backoff, and a server's Retry-After only
 * lengthens it, clamped to [1 s, 60 s].
 */
export function retryDelay(backoffMs: number, retryAfterMs: number | undefined): number {
  const jittered = backoffMs * (0.8 + Math.random() * 0.4);
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return jittered;
  const clamped = Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, retryAfterMs));
  return Math.max(jittered, clamped);
}

/**
 * One timer for the whole exchange (connect, send, headers, body): when it fires the request is destroyed and
 * `onTimeout` settles the caller. The timer is unref'd, it never keeps the app alive; it is cleared on close.
 */
export function armDeadline(req: http.ClientRequest, timeoutMs: number, onTimeout: (error: Error) => void): void {
  const timer = setTimeout(() => {
    // No number in the text: the loss report groups failures by their message.
    const error = new Error('no complete answer before the request deadline');
    onTimeout(error);
    req.destroy(error);
  }, timeoutMs);
  timer.unref();
  req.once('close', () => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

/** A short GET for health probes (Local UI): resolves with the status, or undefined when nothing answered. */
export async function probe(url: URL, timeoutMs: number): Promise<number | undefined> {
  const response = await requestText(url, { method: 'GET', headers: {}, timeoutMs, maxBytes: 64 * 1024, agent: false });
  return response.status;
}

/**
 * `http(s).request` as it was before the client instrumentation, run with tracing suppressed: the base of every
 * call the agent makes on its own (code monitoring's polls, registrations, uploads and SSE stream).
 */
export function agentRequest(
  url: URL,
  options: http.RequestOptions,
  onResponse: (res: http.IncomingMessage) => void,
): http.ClientRequest {
  const request = originalRequest(url.protocol);
  return context.with(OUTSIDE_ANY_REQUEST, () => {
    const req = request(url, options, onResponse);
    req.on('socket', (socket) => socket.unref());
    return req;
  });
}

export interface JsonResponse {
  /** undefined when no HTTP answer came (network error, timeout). */
  status: number | undefined;
  contentType: string;
  /** The raw text, capped at `maxBytes` (anything longer is cut off and `tooLarge` is set). */
  text: string;
  tooLarge: boolean;
  error: Error | undefined;
}

/** One request whose answer is read as text, never more than `maxBytes`; resolves, never rejects. */
export function requestText(
  url: URL,
  options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number; maxBytes: number; agent?: http.Agent | false },
): Promise<JsonResponse> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: JsonResponse) => {
      if (settled) return;
      settled = true;
      resolve(response);
    };
    try {
      const payload = options.body === undefined ? undefined : Buffer.from(options.body);
      const headers = payload === undefined ? options.headers
        : { ...options.headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.byteLength) };
      const req = agentRequest(url, { method: options.method, headers, agent: options.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        res.on('data', (chunk: Buffer) => {
          if (tooLarge) return;
          size += chunk.length;
          if (size > options.maxBytes) {
            // A hostile or broken server: stop reading, keep nothing of it.
            tooLarge = true;
            chunks.length = 0;
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        const done = () => finish({
          status: res.statusCode,
          contentType: String(res.headers['content-type'] ?? ''),
          text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'),
          tooLarge,
          error: undefined,
        });
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => undefined);
      });
      const failed = (error: Error) => finish({ status: undefined, contentType: '', text: '', tooLarge: false, error });
      armDeadline(req, options.timeoutMs, failed);
      req.on('error', failed);
      req.end(payload);
    } catch (error) {
      finish({ status: undefined, contentType: '', text: '', tooLarge: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  });
}
