/**
 * The CLIENT span every database and cache instrumentation makes for one query or command, so that pg, mysql2,
 * redis and ioredis spans carry the same attributes under the same rules:
 *   - a span only inside an active span: a migration script or a pool warming up at start-up makes none;
 *   - `db.query.text` is always a summary without values (SQL with `?` for literals, a redis command name);
 *   - `peer.service` comes from the service-name mappings, so the database shows on the service map;
 *   - an error becomes an `exception` event and status ERROR; the error itself is never touched.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Span, errorMessage } from '../trace/span.js';
import { startSpan } from '../trace/tracer.js';
import type { InstrumentationScope } from '../trace/types.js';
import { peerService } from './http-attributes.js';
import type { AgentRuntime } from './types.js';

export interface DbCall {
  /** `db.system.name`: postgresql, mysql, redis. */
  readonly system: string;
  readonly namespace: string | undefined;
  readonly operation: string | undefined;
  readonly collection?: string | undefined;
  /** Already summarised: no values in it. */
  readonly text: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** `db.operation.batch.size` for a batch (MULTI, a pipeline). */
  readonly batchSize?: number;
}

/** Makes the spans of one instrumentation row. */
export class DbSpans {
  private readonly scope: InstrumentationScope;
  private readonly mappings: ReadonlyMap<string, string>;
  private readonly peers = new Map<string, Map<number | undefined, string>>();

  constructor(private readonly runtime: AgentRuntime, scopeName: string) {
    this.scope = runtime.scope(scopeName);
    this.mappings = runtime.config.serviceNameMappings;
  }

  /** The context a query started now would be a child of; undefined outside any span or when suppressed. */
  static parent(): Context | undefined {
    const active = context.active();
    if (trace.getSpan(active) === undefined || isTracingSuppressed(active)) return undefined;
    return active;
  }

  start(parent: Context, call: DbCall): Span | undefined {
    const name = call.operation === undefined ? call.system
      : call.collection === undefined ? call.operation : `${call.operation} ${call.collection}`;
    const attributes: Record<string, string | number> = { 'db.system.name': call.system };
    if (call.namespace !== undefined && call.namespace !== '') attributes['db.namespace'] = call.namespace;
    if (call.operation !== undefined) attributes['db.operation.name'] = call.operation;
    if (call.collection !== undefined) attributes['db.collection.name'] = call.collection;
    if (call.text !== undefined) attributes['db.query.text'] = call.text;
    if (call.batchSize !== undefined) attributes['db.operation.batch.size'] = call.batchSize;
    if (call.host !== undefined && call.host !== '') {
      attributes['server.address'] = call.host;
      if (call.port !== undefined && Number.isFinite(call.port)) attributes['server.port'] = call.port;
      attributes['peer.service'] = this.peerService(call.host, call.port);
    }
    const span = startSpan(this.runtime.core, this.scope, parent, name, SpanKind.CLIENT, attributes);
    return span instanceof Span ? span : undefined;
  }

  /** peer.service per server, computed once: an app talks to a handful of servers, on every query. */
  private peerService(host: string, port: number | undefined): string {
    let byPort = this.peers.get(host);
    if (byPort === undefined) {
      // Bounded: a driver pointed at ever-new hosts must not grow this without end.
      if (this.peers.size >= 256) this.peers.clear();
      byPort = new Map();
      this.peers.set(host, byPort);
    }
    let peer = byPort.get(port);
    if (peer === undefined) {
      peer = peerService(host, port, this.mappings);
      byPort.set(port, peer);
    }
    return peer;
  }
}

/** Ends a span, recording `error` (when there is one) as an exception event with status ERROR. */
export function endDbSpan(span: Span, error: unknown): void {
  if (error != null) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
  }
  span.end();
}

/** Where a channel-based row keeps a query's span: on the driver's own message object for that query. */
export const kDbSpan = Symbol('tracekit.dbSpan');

export interface TracedMessage {
  error?: unknown;
  [kDbSpan]?: Span;
}

/** A channel's `error` or `asyncStart` for a message: ends its span once, with the message's error if any. */
export function endMessageSpan(message: unknown): void {
  const traced = message as TracedMessage;
  const span = traced[kDbSpan];
  if (span === undefined) return;
  traced[kDbSpan] = undefined;
  endDbSpan(span, traced.error);
}

/** A port from a driver's option, which may be a string or missing. */
export function portNumber(value: unknown): number | undefined {
  const port = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
