/**
 * The code-monitoring event stream: one GET with `Accept: text/event-stream`, parsed with the
 * standard SSE framing (multi-line `data:` joined by `\n`, a blank line dispatches, `:` comments ignored).
 * Any failure (non-200, wrong content type, a drop, 90 s without a complete event or heartbeat, an oversized event) ends the connection and
 * is reported once; the owner falls back to polling. The socket is unref'd: it never keeps the app alive.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { agentRequest } from '../export/http-sender.js';

export const SSE_SILENCE_MS = 90_000;
const MAX_EVENT_BYTES = 1024 * 1024;

export interface SseHandlers {
  onOpen(): void;
  /** One complete event; `data` is the joined data lines. */
  onEvent(event: string, data: string): void;
  /** The stream is over (or never started); called at most once. */
  onFailure(reason: string): void;
}

/**
 * The SSE endpoint must be a path on the base URL's origin, because the request carries the API key: absolute
 * URLs, `//host`, `@host`, backslashes (which WHATWG URL parsing turns into slashes) and anything else that
 * resolves to another origin are refused. Returns the URL, or a reason.
 */
export function resolveSseUrl(baseUrl: string, endpoint: unknown): { url: URL } | { refused: string } {
  if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > 2048) return { refused: 'not a non-empty string' };
  if (!endpoint.startsWith('/') || endpoint.startsWith('//')) return { refused: 'not a path starting with a single /' };
  if (/[\\@\s\u0000-\u001f\u007f]/.test(endpoint)) return { refused: 'contains a backslash, @, whitespace or a control character' };
  let base: URL;
  let url: URL;
  try {
    base = new URL(baseUrl);
    // Keep the base path (a self-hosted backend under /tracekit) and add the endpoint's path to it.
    const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
    url = new URL(`${base.origin}${basePath}${endpoint}`);
  } catch {
    return { refused: 'does not form a valid URL' };
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return { refused: `resolves to ${url.origin}, not ${base.origin}` };
  return { url };
}

export class SseConnection {
  private request: ClientRequest | undefined = undefined;
  private silenceTimer: NodeJS.Timeout | undefined = undefined;
  private finished = false;
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private eventBytes = 0;
  private started = false;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly handlers: SseHandlers,
    private readonly silenceMs = SSE_SILENCE_MS,
  ) {}

  start(): void {
    try {
      const req = agentRequest(this.url, {
        method: 'GET',
        headers: { ...this.headers, Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
        agent: false,
      }, (res) => this.onResponse(res));
      req.on('error', (error) => this.fail(`connection error: ${error.message}`));
      req.on('close', () => this.fail('connection closed'));
      this.request = req;
      this.armSilenceTimer();
      req.end();
    } catch (error) {
      this.fail(`could not connect: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.finished = true;
    this.clearSilenceTimer();
    this.request?.destroy();
    this.request = undefined;
  }

  private onResponse(res: IncomingMessage): void {
    if (res.statusCode !== 200) {
      res.resume();
      this.fail(`HTTP ${res.statusCode}`);
      return;
    }
    const type = String(res.headers['content-type'] ?? '');
    if (!/^text\/event-stream\b/i.test(type)) {
      res.resume();
      this.fail(`content type ${type || 'missing'} instead of text/event-stream`);
      return;
    }
    res.socket?.unref();
    res.setEncoding('utf8');
    this.handlers.onOpen();
    res.on('data', (chunk: string) => this.onData(chunk));
    res.on('end', () => this.fail('stream ended'));
    res.on('error', (error) => this.fail(`stream error: ${error.message}`));
  }

  private onData(chunk: string): void {
    if (this.finished) return;
    // The SSE spec: one leading byte order mark is not part of the stream.
    if (!this.started) {
      this.started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    if (this.buffer.length > MAX_EVENT_BYTES) {
      this.fail('a line longer than 1 MiB');
      return;
    }
    let newline: number;
    while (!this.finished && (newline = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.buffer.slice(0, newline);
      const breakLength = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (breakLength === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + breakLength);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    // Only a whole event or a heartbeat comment counts as life: a server trickling one byte at a time would
    // otherwise keep a stream that never delivers anything open for ever.
    if (line === '') {
      this.armSilenceTimer();
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.armSilenceTimer();
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') {
      this.eventBytes += value.length;
      if (this.eventBytes > MAX_EVENT_BYTES) {
        this.fail('an event larger than 1 MiB');
        return;
      }
      this.dataLines.push(value);
    }
    // `id` and `retry` need no handling: reconnection is the owner's, after a fallback to polling.
  }

  private dispatch(): void {
    const event = this.eventName || 'message';
    const data = this.dataLines.join('\n');
    const hadData = this.dataLines.length > 0;
    this.eventName = '';
    this.dataLines = [];
    this.eventBytes = 0;
    if (!hadData) return;
    try {
      this.handlers.onEvent(event, data);
    } catch (error) {
      this.fail(`event handler failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private armSilenceTimer(): void {
    this.clearSilenceTimer();
    this.silenceTimer = setTimeout(() => this.fail(`no data for ${Math.round(this.silenceMs / 1000)} s`), this.silenceMs);
    this.silenceTimer.unref();
  }

  private clearSilenceTimer(): void {
    if (this.silenceTimer !== undefined) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.close();
    this.handlers.onFailure(reason);
  }
}
