/**
 * One SERVER span per incoming request on every http/https server, whatever the framework, built on Node's
 * `http.server.request.start` / `http.server.response.finish` diagnostics channels (Node >= 20.6 has both).
 *
 * Why not @opentelemetry/instrumentation-http: measured here at ~37 µs per request on top of the
 * SDK (URL parsing, emitter binding, extra socket writes), which alone breaks the Fastify budget. This subscriber
 * patches nothing: a start time, a handful of attributes, and the span made the active context with `enterWith`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation } from '../trace/api.js';
import type { Context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Span, errorMessage } from '../trace/span.js';
import { now } from '../trace/time.js';
import { startSpan } from '../trace/tracer.js';
import { clientIpFrom, equalsLowerCase, redactQuery, unmapIpv4 } from './http-attributes.js';
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { kSpan } from './server-state.js';
import type { TracedRequest } from './server-state.js';
import type { AgentRuntime } from './types.js';

interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';

/**
 * The context of a request on an ignored path: no span, and tracing suppressed, so its outgoing calls do not
 * become root CLIENT spans (orphan traces) and carry no traceparent either.
 */
const IGNORED_REQUEST_CONTEXT = suppressTracing(ROOT_CONTEXT);

const kInFlight = Symbol('tracekit.inFlight');
const kWatched = Symbol('tracekit.watched');
const kPeer = Symbol('tracekit.peer');

interface WatchedSocket extends Socket {
  [kInFlight]?: TracedRequest;
  [kWatched]?: true;
  [kPeer]?: string | null;
}

/** The socket's peer address, unmapped from `::ffff:`, computed once per connection (keep-alive reuses it). */
function peerAddress(socket: WatchedSocket | null | undefined): string | undefined {
  if (socket == null) return undefined;
  let peer = socket[kPeer];
  if (peer === undefined) {
    const address = socket.remoteAddress;
    peer = address === undefined ? null : unmapIpv4(address);
    // An address may be unknown before the connection is fully set up; only cache a real one.
    if (peer !== null) socket[kPeer] = peer;
  }
  return peer ?? undefined;
}

export const httpServer = defineInstrumentation({
  name: 'http',
  aliases: ['https'],
  enabledByDefault: true,
  modules: [],
  channels: [REQUEST_START, RESPONSE_FINISH],
  create: subscribeServerChannels,
});

function subscribeServerChannels(runtime: AgentRuntime, guard: Guard): void {
  const scope = runtime.scope('@tracekit/agent/http');
  const core = runtime.core;
  const contextManager = runtime.contextManager;
  const isIgnoredPath = runtime.config.isIgnoredPath;

  function onRequestStart(message: unknown): void {
    const { request, response } = message as RequestStartMessage;
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (isIgnoredPath(path)) {
      // The previous request on this connection may still be the active context; this one has none.
      contextManager.enter(IGNORED_REQUEST_CONTEXT);
      return;
    }
    // Headers come from rawHeaders: touching `request.headers` makes Node build the whole headers object, ~1 µs per
    // request that frameworks like Fastify otherwise never pay for a GET.
    const raw = request.rawHeaders;
    let host: string | undefined;
    let userAgent: string | undefined;
    let forwardedFor: string | undefined;
    let realIp: string | undefined;
    let forwarded: string | undefined;
    let hasTraceparent = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      switch (name.length) {
        case 4:
          if (host === undefined && equalsLowerCase(name, 'host')) host = raw[i + 1];
          break;
        case 9:
          if (realIp === undefined && equalsLowerCase(name, 'x-real-ip')) realIp = raw[i + 1];
          else if (forwarded === undefined && equalsLowerCase(name, 'forwarded')) forwarded = raw[i + 1];
          break;
        case 10:
          if (userAgent === undefined && equalsLowerCase(name, 'user-agent')) userAgent = raw[i + 1];
          break;
        case 11:
          if (equalsLowerCase(name, 'traceparent')) hasTraceparent = true;
          break;
        case 15:
          if (forwardedFor === undefined && equalsLowerCase(name, 'x-forwarded-for')) forwardedFor = raw[i + 1];
          break;
      }
    }
    const parent: Context = hasTraceparent ? propagation.extract(ROOT_CONTEXT, request.headers) : ROOT_CONTEXT;
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
        armTimeoutsOutsideContext(socket);
      }
    }
    if (!span.isRecording()) return;
    const encrypted = (socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const scheme = encrypted ? 'https' : 'http';
    const query = q === -1 ? '' : redactQuery(url.slice(q + 1));
    const ip = forwardedFor === undefined && realIp === undefined && forwarded === undefined
      ? peerAddress(socket)
      : clientIpFrom(forwardedFor, realIp, forwarded, peerAddress(socket));
    const hostColon = host === undefined ? -1 : host.lastIndexOf(':');
    const hasPort = host !== undefined && hostColon > host.lastIndexOf(']');
    const portNumber = hasPort ? Number(host!.slice(hostColon + 1)) : encrypted ? 443 : 80;
    // Both the TraceKit dashboard names and the OpenTelemetry stable names. One literal with
    // every key the span will ever get (absent values undefined, which the encoders skip): a single allocation
    // and one hidden class for all SERVER spans, instead of a dozen property-array growths per request.
    span.attributes = {
      'http.method': method,
      'http.request.method': method,
      'http.url': `${scheme}://${host ?? 'localhost'}${q === -1 ? url : `${path}?${query}`}`,
      'url.scheme': scheme,
      'url.path': path,
      'url.query': q === -1 ? undefined : query,
      'http.user_agent': userAgent,
      'user_agent.original': userAgent,
      'http.client_ip': ip,
      'client.address': ip,
      'server.address': host === undefined ? undefined : hasPort ? host.slice(0, hostColon) : host,
      'server.port': host === undefined || !Number.isInteger(portNumber) ? undefined : portNumber,
      'http.route': undefined,
      'code.function.name': undefined,
      'http.status_code': undefined,
      'http.response.status_code': undefined,
      'http.aborted': undefined,
      'http.duration_ms': undefined,
    };
    span.attributeCount = 18;
  }

  function onResponseFinish(message: unknown): void {
    const { request, response } = message as RequestStartMessage;
    const span = (request as TracedRequest)[kSpan];
    if (span === undefined || span.endTime !== 0) return;
    const socket = request.socket as WatchedSocket | null;
    if (socket != null && socket[kInFlight] === request) socket[kInFlight] = undefined;
    endServerSpan(span, request as TracedRequest, response.statusCode, false);
  }

  /**
   * Node arms a connection's keep-alive timeout (`socket.setTimeout`) at the end of each response, inside the
   * request's context, and a timer keeps the context it was created in: every idle connection would pin its last
   * request's span until its next request. At high load that surviving data made V8 double its young generation
   * (Node 24, Express, 50 connections: +16 MiB of peak RSS). A connection's timeout belongs to no request, so
   * it is armed with no active context. One shared function, set on each server socket once.
   */
  const storage = contextManager.storage;
  // enterWith and back rather than `storage.exit`: the same on Node 24 (~0.2 µs), 60x cheaper on Node 20 (0.02 µs
  // against 1.3 µs), where AsyncLocalStorage runs on async hooks.
  function setTimeoutOutsideContext(this: Socket): unknown {
    const active = guard.active ? storage.getStore() : undefined;
    if (active === undefined) return Socket.prototype.setTimeout.apply(this, arguments as never);
    storage.enterWith(undefined as never);
    try {
      return Socket.prototype.setTimeout.apply(this, arguments as never);
    } finally {
      storage.enterWith(active);
    }
  }
  function armTimeoutsOutsideContext(socket: WatchedSocket): void {
    if (socket.setTimeout === Socket.prototype.setTimeout) (socket as { setTimeout: unknown }).setTimeout = setTimeoutOutsideContext;
  }

  guard.subscribe(REQUEST_START, onRequestStart);
  guard.subscribe(RESPONSE_FINISH, onResponseFinish);
}

function endServerSpan(span: Span, request: TracedRequest, statusCode: number | undefined, aborted: boolean): void {
  let end: number | undefined;
  if (span.isRecording()) {
    const route = span.serverRoute;
    const attributes = span.attributes;
    if (route !== undefined) {
      attributes['http.route'] = route;
      span.name = `${span.name} ${route}`;
    }
    const handler = span.serverHandler;
    if (handler !== undefined) attributes['code.function.name'] = handler;
    if (statusCode !== undefined) {
      attributes['http.status_code'] = statusCode;
      attributes['http.response.status_code'] = statusCode;
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    // A framework noted a thrown or passed-on error: it is an error of the request only when the answer is a 5xx
    // (or none came). A 4xx built from an error (a 404 HttpException, Boom.notFound, ctx.throw(404)) is not.
    const error = span.serverError;
    if (error !== undefined && (statusCode === undefined || statusCode >= 500)) recordError(span, error);
    if (aborted) attributes['http.aborted'] = true;
    end = now();
    attributes['http.duration_ms'] = Math.round((end - span.startTime) * 1000) / 1000;
  }
  // An ended span may still be held (a context a timer keeps): it must not keep the request, or the error and
  // mount paths noted for it, alive with it. Route and handler are strings already copied into the attributes.
  span.serverRequest = undefined;
  span.serverError = undefined;
  span.serverMounts = undefined;
  span.end(end);
}

function recordError(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
}

/** The client went away before the response finished: end the span anyway, marked as aborted. */
function onSocketClose(this: WatchedSocket): void {
  const request = this[kInFlight];
  this[kInFlight] = undefined;
  const span = request?.[kSpan];
  if (request === undefined || span === undefined || span.endTime !== 0) return;
  endServerSpan(span, request, undefined, true);
}
