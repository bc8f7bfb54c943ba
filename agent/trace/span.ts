/**
 * The agent's span: implements the OpenTelemetry API `Span` (so user code and OTel instrumentations see it
 * through `@opentelemetry/api`), the `Context` interface (so it can be made active without allocating a separate
 * context object), and `ExportSpan` (so the encoders read it as is, without a copy).
 *
 * Why by hand instead of the SDK's SpanImpl: measured here, the SDK span costs ~2.1 µs per request
 * (attribute sanitising, hr-time pairs, hex id strings from Math.random), the largest single cost after the
 * exporter; this class does the same job for a fraction of that. See docs/architecture.md.
 */
import { SpanStatusCode, trace } from './api.js';
import type {
  AttributeValue,
  Attributes,
  Context,
  Exception,
  Link,
  Span as ApiSpan,
  SpanContext,
  SpanStatus,
  TimeInput,
  TraceState,
} from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { now, toEpochMillis } from './time.js';
import type { ExportSpan, InstrumentationScope, SpanAttributes, SpanEventRecord, SpanLinkRecord } from './types.js';

/** The API's own key (`createContextKey` is `Symbol.for`), so `trace.getSpan(ctx)` finds us. */
export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/**
 * The incoming request of the SERVER span a context belongs to. A context key rather than a walk up the span
 * chain, so that every context derived from the request's (context values, baggage, a foreign instrumentation's
 * span set with `trace.setSpan`) still finds it.
 */
export const REQUEST_KEY = Symbol('tracekit.request');

/** Where finished spans go (the batch processor). */
export interface SpanSink {
  onEnd(span: Span): void;
}

// OpenTelemetry's default span limits.
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;

export class Span implements ApiSpan, Context, ExportSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly traceFlags: number;
  traceState: string | undefined;
  name: string;
  readonly kind: number;
  readonly startTime: number;
  endTime = 0;
  attributes: SpanAttributes;
  attributeCount: number;
  events: SpanEventRecord[] | undefined = undefined;
  links: SpanLinkRecord[] | undefined = undefined;
  statusCode = 0;
  statusMessage: string | undefined = undefined;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  readonly scope: InstrumentationScope;
  /** The context this span was started in: every other context key is looked up there. */
  readonly parentContext: Context;
  /**
   * The incoming request of a SERVER span (set by the http server instrumentation), kept so a snapshot taken
   * anywhere inside the request can report its request_context without any middleware.
   */
  serverRequest: IncomingMessage | undefined = undefined;
  /**
   * What the frameworks learn of a SERVER span's request after it starts: the route template, the handler's name,
   * the first error thrown or passed on, and (Express) the mount paths of the routers it is in. Kept here rather
   * than on the request object (see agent/instrument/server-state.ts); read when the response ends.
   */
  serverRoute: string | undefined = undefined;
  serverHandler: string | undefined = undefined;
  serverError: unknown = undefined;
  serverMounts: string[] | undefined = undefined;
  private readonly sink: SpanSink | undefined;
  private spanContextCache: SpanContext | undefined = undefined;
  private readonly traceStateObject: TraceState | undefined;

  constructor(
    parentContext: Context,
    scope: InstrumentationScope,
    name: string,
    kind: number,
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    traceFlags: number,
    traceState: TraceState | undefined,
    sink: SpanSink | undefined,
    attributes: Attributes | undefined,
    startTime: number,
  ) {
    this.parentContext = parentContext;
    this.scope = scope;
    this.name = name;
    this.kind = kind;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.traceFlags = traceFlags;
    this.traceStateObject = traceState;
    this.traceState = traceState === undefined ? undefined : traceState.serialize() || undefined;
    this.sink = sink;
    this.startTime = startTime;
    this.attributes = {};
    this.attributeCount = 0;
    if (attributes !== undefined && sink !== undefined) this.setAttributes(attributes);
  }

  // ---- OpenTelemetry API Span ----

  spanContext(): SpanContext {
    return (this.spanContextCache ??= {
      traceId: this.traceId,
      spanId: this.spanId,
      traceFlags: this.traceFlags,
      traceState: this.traceStateObject,
      isRemote: false,
    });
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.sink === undefined || this.endTime !== 0 || value == null) return this;
    const attributes = this.attributes;
    if (attributes[key] === undefined) {
      if (this.attributeCount >= MAX_ATTRIBUTES) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (this.sink === undefined || this.endTime !== 0 || attributes == null) return this;
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.sink === undefined || this.endTime !== 0) return this;
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      time = attributesOrTime;
    } else {
      attributes = attributesOrTime;
    }
    const events = (this.events ??= []);
    if (events.length >= MAX_EVENTS) {
      this.droppedEventsCount++;
      return this;
    }
    events.push({ name: String(name), time: toEpochMillis(time), attributes: copyAttributes(attributes) });
    return this;
  }

  addLink(link: Link): this {
    if (this.sink === undefined || this.endTime !== 0 || link == null || link.context == null) return this;
    const links = (this.links ??= []);
    if (links.length >= MAX_LINKS) return this;
    links.push({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceState: link.context.traceState?.serialize() || undefined,
      attributes: copyAttributes(link.attributes),
    });
    return this;
  }

  addLinks(links: Link[]): this {
    if (Array.isArray(links)) for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.sink === undefined || this.endTime !== 0 || status == null) return this;
    // OTel spec: OK is final; UNSET never overrides a set status.
    if (this.statusCode === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.statusCode = status.code;
    this.statusMessage = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (this.endTime === 0) this.name = String(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.endTime !== 0) return;
    const end = endTime === undefined ? now() : toEpochMillis(endTime);
    this.endTime = end < this.startTime ? this.startTime : end;
    if (this.sink === undefined) return;
    this.sink.onEnd(this);
    // Encoded by now: what only the encoder read is let go. An ended span stays reachable for a while from every
    // async resource created while it was active (a pool's idle timer, a keep-alive socket's timeout), and each
    // of those would otherwise pin its attributes and events too.
    // A fresh object, not a shared frozen one: a late write by whoever still holds the span must neither throw
    // nor land in anything shared.
    this.attributes = {};
    this.events = undefined;
    this.links = undefined;
  }

  isRecording(): boolean {
    return this.sink !== undefined && this.endTime === 0;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    if (this.sink === undefined || this.endTime !== 0) return;
    this.addEvent('exception', exceptionAttributes(exception), time);
  }

  // ---- OpenTelemetry API Context (the span is the active context of its own request) ----

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this;
    if (key === REQUEST_KEY && this.serverRequest !== undefined) return this.serverRequest;
    return this.parentContext.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.materialize().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.materialize().deleteValue(key);
  }

  /** An ordinary OTel context equal to this one; only needed when someone derives a context from ours. */
  private materialize(): Context {
    const base = this.serverRequest === undefined ? this.parentContext : this.parentContext.setValue(REQUEST_KEY, this.serverRequest);
    return trace.setSpan(base, this);
  }
}

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number');
}

function copyAttributes(attributes: Attributes | undefined): SpanAttributes | undefined {
  if (attributes == null || typeof attributes !== 'object') return undefined;
  const copy: SpanAttributes = {};
  let count = 0;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value == null) continue;
    if (++count > MAX_ATTRIBUTES) break;
    copy[key] = value;
  }
  return copy;
}

/** An error's `message` when it is a string, read so that a throwing getter or a Proxy cannot break the caller. */
export function errorMessage(error: unknown): string | undefined {
  try {
    const message = (error as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** The `exception` event of the OTel semantic conventions; the stack keeps V8's `at fn (file:line:col)` form. */
export function exceptionAttributes(exception: unknown): Attributes {
  const attributes: Attributes = {};
  try {
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
      return attributes;
    }
    if (exception != null && typeof exception === 'object') {
      const e = exception as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: unknown } };
      const type = typeof e.name === 'string' && e.name !== 'Error' ? e.name
        : typeof e.constructor?.name === 'string' ? e.constructor.name
        : typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : 'Error';
      attributes['exception.type'] = type;
      if (typeof e.message === 'string') attributes['exception.message'] = e.message;
      if (typeof e.stack === 'string') attributes['exception.stacktrace'] = e.stack;
      return attributes;
    }
    attributes['exception.message'] = String(exception);
  } catch {
    // A hostile error object (throwing getters, Proxy) must not break the request; keep what we have.
    attributes['exception.type'] ??= 'Error';
  }
  return attributes;
}
