/**
 * One SERVER span per incoming request on every http/https server, whatever the framework, built on Node's
 * `http.server.request.start` / `http.server.response.finish` diagnostics channels (Node >= 20.6 has both).
 *
 * Why not @opentelemetry/instrumentation-http: performance-notes.md measures it at ~37 µs per request on top of the
 * SDK (URL parsing, emitter binding, extra socket writes), which alone breaks the Fastify budget. This subscriber
 * patches nothing: a start time, a handful of attributes, and the span made the active context with `enterWith`.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { Span } from '../trace/span.js';
import { now } from '../trace/time.js';
import { startSpan } from '../trace/tracer.js';
import { clientIp, redactQuery } from './http-attributes.js';
import { kRoute, kSpan } from './server-state.js';
import type { TracedRequest } from './server-state.js';
import type { AgentRuntime, Instrumentation } from './types.js';

interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

const kInFlight = Symbol('tracekit.inFlight');
const kWatched = Symbol('tracekit.watched');

interface WatchedSocket extends Socket {
  [kInFlight]?: TracedRequest;
  [kWatched]?: true;
}

export function httpServerInstrumentation(runtime: AgentRuntime): Instrumentation {
  const scope = runtime.scope('@tracekit/agent/http');
  const core = runtime.core;
  const contextManager = runtime.contextManager;
  const isIgnoredPath = runtime.config.isIgnoredPath;
  const started = dc.channel('http.server.request.start');
  const finished = dc.channel('http.server.response.finish');

  function onRequestStart(message: unknown): void {
    try {
      const { request, response } = message as RequestStartMessage;
      const url = request.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (isIgnoredPath(path)) {
        // The previous request on this connection may still be the active context; this one has none.
        contextManager.enter(ROOT_CONTEXT);
        return;
      }
      const headers = request.headers;
      const parent: Context = headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
      const method = request.method ?? 'GET';
      const span = startSpan(core, scope, parent, method, SpanKind.SERVER, undefined) as Span;
      (request as TracedRequest)[kSpan] = span;
      span.serverRequest = request;
      (response as unknown as TracedRequest)[kSpan] = span;
      contextManager.enter(span);
      const socket = request.socket as WatchedSocket;
      if (socket != null) {
        socket[kInFlight] = request as TracedRequest;
        if (socket[kWatched] === undefined) {
          socket[kWatched] = true;
          socket.once('close', onSocketClose);
        }
      }
      if (!span.isRecording()) return;
      const host = headers.host;
      const encrypted = (socket as { encrypted?: boolean } | undefined)?.encrypted === true;
      const scheme = encrypted ? 'https' : 'http';
      const query = q === -1 ? '' : redactQuery(url.slice(q + 1));
      const ip = clientIp(headers, socket?.remoteAddress);
      const userAgent = headers['user-agent'];
      const attributes = span.attributes;
      // Both the TraceKit dashboard names and the OpenTelemetry stable names (protocol doc §2).
      attributes['http.method'] = method;
      attributes['http.request.method'] = method;
      attributes['http.url'] = `${scheme}://${host ?? 'localhost'}${q === -1 ? url : `${path}?${query}`}`;
      attributes['url.scheme'] = scheme;
      attributes['url.path'] = path;
      if (q !== -1) attributes['url.query'] = query;
      if (userAgent !== undefined) {
        attributes['http.user_agent'] = userAgent;
        attributes['user_agent.original'] = userAgent;
      }
      if (ip !== undefined) {
        attributes['http.client_ip'] = ip;
        attributes['client.address'] = ip;
      }
      if (host !== undefined) {
        const colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
          attributes['server.address'] = host.slice(0, colon);
          const port = Number(host.slice(colon + 1));
          if (Number.isInteger(port)) attributes['server.port'] = port;
        } else {
          attributes['server.address'] = host;
          attributes['server.port'] = encrypted ? 443 : 80;
        }
      }
    } catch (error) {
      runtime.fail('http-server', error);
    }
  }

  function onResponseFinish(message: unknown): void {
    try {
      const { request, response } = message as RequestStartMessage;
      const span = (request as TracedRequest)[kSpan];
      if (span === undefined || span.endTime !== 0) return;
      const socket = request.socket as WatchedSocket | null;
      if (socket != null && socket[kInFlight] === request) socket[kInFlight] = undefined;
      endServerSpan(span, request as TracedRequest, response.statusCode, false);
    } catch (error) {
      runtime.fail('http-server', error);
    }
  }

  return {
    name: 'http',
    enable() {
      started.subscribe(onRequestStart);
      finished.subscribe(onResponseFinish);
    },
    disable() {
      started.unsubscribe(onRequestStart);
      finished.unsubscribe(onResponseFinish);
    },
  };
}

function endServerSpan(span: Span, request: TracedRequest, statusCode: number | undefined, aborted: boolean): void {
  if (span.isRecording()) {
    const route = request[kRoute];
    const attributes = span.attributes;
    if (route !== undefined) {
      attributes['http.route'] = route;
      span.name = `${span.name} ${route}`;
    }
    if (statusCode !== undefined) {
      attributes['http.status_code'] = statusCode;
      attributes['http.response.status_code'] = statusCode;
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    if (aborted) attributes['http.aborted'] = true;
    attributes['http.duration_ms'] = Math.round((now() - span.startTime) * 1000) / 1000;
  }
  // The span waits in the export queue for up to a second: it must not keep the request object alive with it.
  span.serverRequest = undefined;
  span.end();
}

/** The client went away before the response finished: end the span anyway, marked as aborted. */
function onSocketClose(this: WatchedSocket): void {
  const request = this[kInFlight];
  this[kInFlight] = undefined;
  const span = request?.[kSpan];
  if (request === undefined || span === undefined || span.endTime !== 0) return;
  endServerSpan(span, request, undefined, true);
}
