/**
 * CLIENT spans for outgoing `http`/`https` `request` and `get`, with W3C trace context injected.
 *
 * Why a patch and not the `http.client.request.start` channel: on Node 20 to 26 that channel fires when the
 * request is dispatched, after the headers are already serialised, so `traceparent` could no longer be added
 * (checked: setHeader throws ERR_HTTP_HEADERS_SENT). Wrapping `request` lets us set the header on the
 * ClientRequest right after it is built and before the app writes or ends it. `get` is rewrapped as Node defines
 * it (request + end), because Node's own `get` calls the unpatched internal `request`.
 */
import fs from 'node:fs';
import path from 'node:path';
import nodeModule, { syncBuiltinESMExports } from 'node:module';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { isBuiltinLoaded, loadHttp, loadHttps, recordOriginals } from '../builtins.js';
import type { HttpModule, HttpsModule } from '../builtins.js';
import { SpanKind, SpanStatusCode, context, propagation } from '../trace/api.js';
import type { TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Span, errorMessage } from '../trace/span.js';
import { startSpan } from '../trace/tracer.js';
import { defineInstrumentation } from './definition.js';
import { isWrapped, originalOf } from './guard.js';
import type { Guard } from './guard.js';
import { clientSpanAttributes, defaultPort } from './http-attributes.js';
import type { AgentRuntime } from './types.js';

type Module = HttpModule | HttpsModule;

const CLIENT_REQUEST_START = 'http.client.request.start';
const SERVER_REQUEST_START = 'http.server.request.start';

const headerSetter: TextMapSetter<ClientRequest> = {
  set(carrier, key, value) {
    carrier.setHeader(key, value);
  },
};

interface ClientState {
  /** Patches `http` or `https` once (idempotent; loading the module re-enters the hooks that called it). */
  ensure(name: 'http' | 'https'): void;
}

export const httpClient = defineInstrumentation<ClientState>({
  name: 'http-client',
  enabledByDefault: true,
  // Builtins: no version range applies. Activated at start, because an ESM `import` of a builtin is never seen by
  // require hooks; the `require` of one still is, through these entries.
  eager: true,
  modules: [
    { module: 'http', versions: '*', patch: (exports, state) => { state.ensure('http'); return exports; } },
    { module: 'https', versions: '*', patch: (exports, state) => { state.ensure('https'); return exports; } },
  ],
  channels: [CLIENT_REQUEST_START, SERVER_REQUEST_START],
  create: createClientInstrumentation,
  disable: () => {
    if (isBuiltinLoaded('http') !== false) unpatch(loadHttp());
    if (isBuiltinLoaded('https') !== false) unpatch(loadHttps());
    syncBuiltinESMExports();
  },
});

function createClientInstrumentation(runtime: AgentRuntime, guard: Guard): ClientState {
  const scope = runtime.scope('@tracekit/agent/http-client');
  const mappings = runtime.config.serviceNameMappings;

  function traceRequest(req: ClientRequest, args: IArguments, defaultProtocol: string): void {
    const parent = context.active();
    if (isTracingSuppressed(parent)) return;
    const method = req.method || 'GET';
    const span = startSpan(runtime.core, scope, parent, method, SpanKind.CLIENT, undefined);
    if (!(span instanceof Span)) return;
    const recording = span.isRecording();
    // Read everything first: should reading the request fail, no traceparent points at a span that never ends.
    let clientAttributes: Record<string, string | number> | undefined;
    if (recording) {
      const protocol = req.protocol || defaultProtocol;
      const host = req.host || 'localhost';
      const port = portOf(args as unknown as unknown[], protocol);
      clientAttributes = clientSpanAttributes(method, protocol, host, port, req.path || '/', mappings);
    }
    if (!req.headersSent) propagation.inject(span, req, headerSetter);
    if (clientAttributes === undefined) return;
    span.setAttributes(clientAttributes);
    const attributes = span.attributes;

    let response: IncomingMessage | undefined;
    req.once('response', guard.protect((res: IncomingMessage) => {
      response = res;
      const status = res.statusCode ?? 0;
      attributes['http.status_code'] = status;
      attributes['http.response.status_code'] = status;
      // OTel semantic conventions: for CLIENT spans every 4xx and 5xx is an error.
      if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      res.once('end', guard.protect(() => span.end()));
    }));
    req.prependListener('error', function onError(this: ClientRequest, error: Error) {
      guard.run(() => {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        span.end();
      });
      // Without our listener Node would throw this error ("Unhandled 'error' event"); keep it that way, also
      // when the instrumentation has been turned off since.
      if (this.listenerCount('error') === 1) {
        this.removeListener('error', onError);
        this.emit('error', error);
      }
    });
    req.once('close', guard.protect(() => {
      if (response !== undefined && !response.complete) attributes['http.aborted'] = true;
      span.end();
    }));
  }

  function patch(module: Module, defaultProtocol: string): void {
    if (isWrapped(module.request)) return;
    // The agent's own export calls use these, never the wrappers.
    recordOriginals(defaultProtocol === 'https:' ? 'https' : 'http', module);
    guard.wrap(module, 'request', {
      exit(_state, req, error, _self, args) {
        if (error === undefined) traceRequest(req as ClientRequest, args, defaultProtocol);
        return undefined;
      },
    });
    // Node's own `get` is request() + end() on the internal, unwrapped request: rebuilt on the wrapped one.
    const request = module.request as (...args: unknown[]) => ClientRequest;
    guard.replace(module, 'get', function get(this: unknown): ClientRequest {
      const req = request.apply(this, arguments as unknown as unknown[]);
      req.end();
      return req;
    });
    // ESM named imports (`import { request } from 'node:http'`) are copies until synced.
    syncBuiltinESMExports();
  }

  /**
   * Patches http and https when the app first loads them rather than at start (builtins.ts: loading them costs
   * ~25 ms). Triggers, whichever comes first:
   *   - already loaded at start (`--import` after something else loaded them): now;
   *   - `require('http')` / `require('node:http')`: the table's module entries, before the app gets the module;
   *   - an ESM `import` on Node >= 22.15: a synchronous module.registerHooks resolve hook, before linking;
   *   - an ESM app on older Node: at start (eagerly), since its imports cannot be seen;
   *   - and as a safety net: the first turn of the event loop, the first incoming and the first outgoing request.
   */
  const inProgress = new Set<string>();
  const ensure = (name: 'http' | 'https') => {
    // Loading the module below re-enters the require and resolve hooks that called us.
    if (!guard.active || inProgress.has(name)) return;
    inProgress.add(name);
    try {
      guard.run(() => {
        if (name === 'http') patch(loadHttp(), 'http:');
        else patch(loadHttps(), 'https:');
      });
    } finally {
      inProgress.delete(name);
    }
  };
  const registerHooks = (nodeModule as { registerHooks?: (hooks: object) => unknown }).registerHooks;
  // Without synchronous resolve hooks, an ESM app's `import http` is invisible to us: load and patch now, as an
  // eager agent would. CommonJS apps (and `node -e`) keep the lazy path.
  const eager = typeof registerHooks !== 'function' && !mainIsCommonJs();
  for (const name of ['http', 'https'] as const) {
    if (eager || isBuiltinLoaded(name) !== false) ensure(name);
  }
  if (typeof registerHooks === 'function') {
    registerHooks({
      resolve: guard.protect(function resolve(specifier: string, ctx: unknown, nextResolve: (s: string, c: unknown) => { url: string }) {
        const result = nextResolve(specifier, ctx);
        if (result.url === 'node:http' || result.url === 'node:https') ensure(result.url === 'node:http' ? 'http' : 'https');
        return result;
      }, (args) => (args[2] as (s: string, c: unknown) => unknown)(args[0] as string, args[1])),
    });
  }
  // Last resorts for anything that slipped through: the first turn of the loop, the first incoming request
  // (before its handler can call out), the first outgoing request.
  const whenSeen = () => {
    for (const name of ['http', 'https'] as const) if (isBuiltinLoaded(name) === true) ensure(name);
  };
  setImmediate(guard.protect(whenSeen)).unref();
  for (const name of [SERVER_REQUEST_START, CLIENT_REQUEST_START]) {
    let seen = false;
    guard.subscribe(name, () => {
      if (seen) return;
      seen = true;
      whenSeen();
    });
  }
  return { ensure };
}

function unpatch(module: Module): void {
  module.request = originalOf(module.request);
  module.get = originalOf(module.get);
}

/** Whether the app's entry file is CommonJS (by extension, else the nearest package.json "type"). */
function mainIsCommonJs(): boolean {
  const main = process.argv[1];
  if (main === undefined || main === '') return true; // node -e / REPL: no module graph to miss.
  try {
    const file = path.resolve(main);
    if (file.endsWith('.cjs')) return true;
    if (!file.endsWith('.js')) return false;
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg)) return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: unknown }).type !== 'module';
      if (path.dirname(dir) === dir) return true;
    }
  } catch {
    return false;
  }
}

/** The port the request goes to: from the URL or options argument, else the protocol default. */
function portOf(args: unknown[], protocol: string): string {
  let port: unknown;
  for (const arg of args) {
    if (typeof arg === 'string') {
      port = portFromUrlString(arg) ?? port;
    } else if (arg instanceof URL) {
      port = arg.port || port;
    } else if (arg !== null && typeof arg === 'object') {
      const options = arg as { port?: unknown; defaultPort?: unknown };
      port = options.port ?? options.defaultPort ?? port;
    }
  }
  if (port === undefined || port === null || port === '') return defaultPort(protocol);
  return String(port);
}

function portFromUrlString(value: string): string | undefined {
  try {
    return new URL(value).port || undefined;
  } catch {
    return undefined;
  }
}
