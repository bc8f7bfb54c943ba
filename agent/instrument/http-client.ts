/**
 * CLIENT spans for outgoing `http`/`https` `request` and `get`, with W3C trace context injected.
 *
 * Why a patch and not the `http.client.request.start` channel: on Node 20 to 26 that channel fires when the
 * request is dispatched, after the headers are already serialised, so `traceparent` could no longer be added
 * (checked: setHeader throws ERR_HTTP_HEADERS_SENT). Wrapping `request` lets us set the header on the
 * ClientRequest right after it is built and before the app writes or ends it. `get` is rewrapped as Node defines
 * it (request + end), because Node's own `get` calls the unpatched internal `request`.
 */
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode, context, propagation } from '@opentelemetry/api';
import type { TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Span } from '../trace/span.js';
import { startSpan } from '../trace/tracer.js';
import { peerService, redactUrl } from './http-attributes.js';
import type { AgentRuntime, Instrumentation } from './types.js';

type RequestFn = typeof http.request;
type Module = typeof http | typeof https;

const kOriginal = Symbol('tracekit.original');

const headerSetter: TextMapSetter<ClientRequest> = {
  set(carrier, key, value) {
    carrier.setHeader(key, value);
  },
};

export function httpClientInstrumentation(runtime: AgentRuntime): Instrumentation {
  const scope = runtime.scope('@tracekit/agent/http-client');
  const mappings = runtime.config.serviceNameMappings;
  let enabled = false;

  function traceRequest(req: ClientRequest, args: unknown[], defaultProtocol: string): void {
    const parent = context.active();
    const method = req.method || 'GET';
    const span = startSpan(runtime.core, scope, parent, method, SpanKind.CLIENT, undefined);
    if (!(span instanceof Span)) return;
    if (!req.headersSent) propagation.inject(span, req, headerSetter);
    if (!span.isRecording()) return;
    const protocol = req.protocol || defaultProtocol;
    const host = req.host || 'localhost';
    const port = portOf(args, protocol);
    const url = redactUrl(protocol, host, port, req.path || '/');
    const attributes = span.attributes;
    attributes['http.method'] = method;
    attributes['http.request.method'] = method;
    attributes['http.url'] = url;
    attributes['url.full'] = url;
    attributes['server.address'] = host;
    attributes['server.port'] = Number(port);
    attributes['peer.service'] = peerService(host, port, mappings);

    let response: IncomingMessage | undefined;
    req.once('response', (res: IncomingMessage) => {
      response = res;
      const status = res.statusCode ?? 0;
      attributes['http.status_code'] = status;
      attributes['http.response.status_code'] = status;
      // OTel semantic conventions: for CLIENT spans every 4xx and 5xx is an error.
      if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      res.once('end', () => span.end());
    });
    req.prependListener('error', function onError(this: ClientRequest, error: Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.end();
      // Without our listener Node would throw this error ("Unhandled 'error' event"); keep it that way.
      if (this.listenerCount('error') === 1) {
        this.removeListener('error', onError);
        this.emit('error', error);
      }
    });
    req.once('close', () => {
      if (response !== undefined && !response.complete) attributes['http.aborted'] = true;
      span.end();
    });
  }

  function wrapRequest(original: RequestFn, defaultProtocol: string): RequestFn {
    const wrapped = function request(this: unknown, ...args: unknown[]): ClientRequest {
      const req = (original as (...a: unknown[]) => ClientRequest).apply(this, args);
      if (!enabled || isTracingSuppressed(context.active())) return req;
      try {
        traceRequest(req, args, defaultProtocol);
      } catch (error) {
        runtime.fail('http-client', error);
      }
      return req;
    };
    (wrapped as unknown as Record<symbol, unknown>)[kOriginal] = original;
    return wrapped as unknown as RequestFn;
  }

  function patch(module: Module, defaultProtocol: string): void {
    if ((module.request as unknown as Record<symbol, unknown>)[kOriginal] !== undefined) return;
    const request = wrapRequest(module.request, defaultProtocol);
    // Node's own `get` is request() + end(); rebuilt so that it goes through the wrapped request.
    const get = function get(this: unknown, ...args: unknown[]): ClientRequest {
      const req = (request as (...a: unknown[]) => ClientRequest).apply(this, args);
      req.end();
      return req;
    };
    (get as unknown as Record<symbol, unknown>)[kOriginal] = module.get;
    module.request = request as typeof module.request;
    module.get = get as unknown as typeof module.get;
  }

  function unpatch(module: Module): void {
    const request = (module.request as unknown as Record<symbol, unknown>)[kOriginal];
    const get = (module.get as unknown as Record<symbol, unknown>)[kOriginal];
    if (request !== undefined) module.request = request as typeof module.request;
    if (get !== undefined) module.get = get as typeof module.get;
  }

  return {
    name: 'http-client',
    enable() {
      enabled = true;
      patch(http, 'http:');
      patch(https, 'https:');
      // ESM named imports (`import { request } from 'node:http'`) are copies until synced.
      syncBuiltinESMExports();
    },
    disable() {
      enabled = false;
      unpatch(http);
      unpatch(https);
      syncBuiltinESMExports();
    },
  };
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
  if (port === undefined || port === null || port === '') return protocol === 'https:' ? '443' : '80';
  return String(port);
}

function portFromUrlString(value: string): string | undefined {
  try {
    return new URL(value).port || undefined;
  } catch {
    return undefined;
  }
}
