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

  /**
   * The span of one query, or undefined when there is nothing to record (an unsampled trace): the caller then
   * skips all of its own work for it, the end included.
   */
  start(parent: Context, call: DbCall): Span | undefined {
    const name = call.operation === undefined ? call.system
      : call.collection === undefined ? call.operation : `${call.operation} ${call.collection}`;
    const span = startSpan(this.runtime.core, this.scope, parent, name, SpanKind.CLIENT, undefined);
    if (!(span instanceof Span) || !span.isRecording()) return undefined;
    const host = call.host === '' ? undefined : call.host;
    // One literal with every key a database span can have (absent values undefined, which the encoders skip):
    // one allocation and one hidden class for all of them, as for SERVER spans.
    span.attributes = {
      'db.system.name': call.system,
      'db.namespace': call.namespace === '' ? undefined : call.namespace,
      'db.operation.name': call.operation,
      'db.collection.name': call.collection,
      'db.query.text': call.text,
      'db.operation.batch.size': call.batchSize,
      'server.address': host,
      'server.port': host === undefined || call.port === undefined || !Number.isFinite(call.port) ? undefined : call.port,
      'peer.service': host === undefined ? undefined : this.peerService(host, call.port),
    };
    span.attributeCount = 9;
    return span;
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
