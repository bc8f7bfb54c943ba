/**
 * Tracer and TracerProvider for the OpenTelemetry API: `trace.getTracer()` in user code and in OTel
 * instrumentations lands here and produces our `Span`. Sampling uses the SDK's samplers (well kept, and cheap
 * enough: one call per root span).
 */
import { INVALID_SPAN_CONTEXT, SamplingDecision, SpanKind, context as apiContext, trace } from './api.js';
import type {
  Attributes,
  Context,
  Sampler,
  Span as ApiSpan,
  SpanOptions,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { newSpanId, newTraceId } from './ids.js';
import { Span, SPAN_KEY } from './span.js';
import type { SpanSink } from './span.js';
import { now, toEpochMillis } from './time.js';
import type { InstrumentationScope } from './types.js';

export interface TracerCore {
  sampler: Sampler;
  /** The sampler is parent-based with the default local-parent samplers: a child of our span follows its flag. */
  followsLocalParent: boolean;
  sink: SpanSink;
}

export class AgentTracer implements Tracer {
  constructor(
    readonly scope: InstrumentationScope,
    private readonly core: TracerCore,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = apiContext.active()): ApiSpan {
    return startSpan(this.core, this.scope, ctx, name, options.kind ?? SpanKind.INTERNAL, options.attributes,
      options.root === true, options.startTime === undefined ? undefined : toEpochMillis(options.startTime), options.links);
  }

  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, a?: unknown, b?: unknown, c?: unknown): ReturnType<F> {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (typeof a === 'function') fn = a as F;
    else if (typeof b === 'function') { options = a as SpanOptions; fn = b as F; }
    else { options = a as SpanOptions; ctx = b as Context; fn = c as F; }
    const parent = ctx ?? apiContext.active();
    const span = this.startSpan(name, options, parent);
    const active = span instanceof Span ? span : trace.setSpan(parent, span);
    return apiContext.with(active, fn as (s: ApiSpan) => ReturnType<F>, undefined, span);
  }
}

/**
 * The one place spans are born; the http/fetch instrumentations call it directly (no Tracer indirection on the
 * hot path). `parentContext` may be a `Span` itself: spans are contexts.
 */
export function startSpan(
  core: TracerCore,
  scope: InstrumentationScope,
  parentContext: Context,
  name: string,
  kind: number,
  attributes: Attributes | undefined,
  root = false,
  startTime: number | undefined = undefined,
  links: SpanOptions['links'] = undefined,
): ApiSpan {
  if (isTracingSuppressed(parentContext)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const parentSpan = root ? undefined : (parentContext.getValue(SPAN_KEY) as ApiSpan | undefined);
  const parent = parentSpan?.spanContext();
  // The agent's own spans have valid ids by construction; the API's check is two regular expressions.
  const hasParent = parent !== undefined && (parentSpan instanceof Span || trace.isSpanContextValid(parent));
  const traceId = hasParent ? parent.traceId : newTraceId();
  let decision: number;
  let traceState = hasParent ? parent.traceState : undefined;
  let merged = attributes;
  if (core.followsLocalParent && parentSpan instanceof Span) {
    // What ParentBasedSampler answers for a local parent (always on if it is sampled, always off if not), without
    // its validation of the parent's ids by two regular expressions: ~1,200 instructions of every child span.
    decision = (parent!.traceFlags & 1) === 1 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD;
  } else {
    const samplingContext = root ? trace.deleteSpan(parentContext) : parentContext;
    const result = core.sampler.shouldSample(samplingContext, traceId, name, kind, attributes ?? {}, links ?? []);
    decision = result.decision;
    if (result.traceState !== undefined) traceState = result.traceState;
    if (result.attributes !== undefined) merged = { ...attributes, ...result.attributes };
  }
  const span = new Span(
    parentContext,
    scope,
    name,
    kind,
    traceId,
    newSpanId(),
    hasParent ? parent.spanId : undefined,
    decision === SamplingDecision.RECORD_AND_SAMPLED ? 1 : 0,
    traceState,
    decision === SamplingDecision.NOT_RECORD ? undefined : core.sink,
    merged,
    startTime ?? now(),
  );
  if (links !== undefined) span.addLinks(links);
  return span;
}

export class AgentTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, AgentTracer>();

  constructor(private readonly core: TracerCore) {}

  getTracer(name: string, version?: string): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new AgentTracer({ name: String(name || 'unknown'), version }, this.core);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
