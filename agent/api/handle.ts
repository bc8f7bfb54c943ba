/**
 * The live `tracekit` handle: metrics, manual spans and lifecycle on top of the running agent. Every method
 * guards its input and never throws into the app (a bad argument is ignored, with a debug line).
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span as ApiSpan, Tracer } from '@opentelemetry/api';
import { debug } from '../log.js';
import type { MetricRegistry } from '../metrics/instruments.js';
import { Span } from '../trace/span.js';
import type { MetricTags, SnapshotClient, SpanStatusName, TracekitHandle } from './types.js';
import { noopHandle } from './noop.js';

export interface HandleDeps {
  tracer: Tracer;
  metrics: MetricRegistry;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Code monitoring, when enabled; null otherwise. */
  snapshots(): SnapshotClient | null;
}

export function createHandle(deps: HandleDeps): TracekitHandle {
  const { tracer, metrics } = deps;

  function isSpan(value: unknown): value is ApiSpan {
    return value != null && typeof (value as ApiSpan).spanContext === 'function' && typeof (value as ApiSpan).end === 'function';
  }

  function activeContextOf(span: ApiSpan, parent: Context): Context {
    return span instanceof Span ? span : trace.setSpan(parent, span);
  }

  function recordError(span: ApiSpan, error: unknown): void {
    span.recordException(error as Error);
    const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : undefined;
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  const handle: TracekitHandle = {
    enabled: true,
    counter: (name: string, tags?: MetricTags) => safe(() => metrics.counter(name, tags), noopHandle.counter(name)),
    gauge: (name: string, tags?: MetricTags) => safe(() => metrics.gauge(name, tags), noopHandle.gauge(name)),
    histogram: (name: string, tags?: MetricTags) => safe(() => metrics.histogram(name, tags), noopHandle.histogram(name)),

    startSpan(name: string, attributes?: Attributes): ApiSpan {
      return tracer.startSpan(String(name), { kind: SpanKind.INTERNAL, attributes: plainObject(attributes) });
    },

    endSpan(span: ApiSpan, attributes?: Attributes, status?: SpanStatusName): void {
      if (!isSpan(span)) {
        debug('endSpan: not a span; ignored');
        return;
      }
      const attrs = plainObject(attributes);
      if (attrs !== undefined) span.setAttributes(attrs);
      if (status === 'OK') span.setStatus({ code: SpanStatusCode.OK });
      else if (status === 'ERROR') span.setStatus({ code: SpanStatusCode.ERROR });
      else if (status !== undefined) debug(`endSpan: status must be 'OK' or 'ERROR', got ${String(status)}; ignored`);
      span.end();
    },

    recordException(span: ApiSpan, error: unknown): void {
      if (!isSpan(span)) {
        debug('recordException: not a span; ignored');
        return;
      }
      recordError(span, error);
    },

    withSpan<T>(name: string, fn: (span: ApiSpan) => T, attributes?: Attributes): T {
      const parent = context.active();
      const span = tracer.startSpan(String(name), { kind: SpanKind.INTERNAL, attributes: plainObject(attributes) }, parent);
      let result: T;
      try {
        result = context.with(activeContextOf(span, parent), fn, undefined, span);
      } catch (error) {
        recordError(span, error);
        span.end();
        throw error;
      }
      if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
        // Async work: the span lasts until the promise settles; the caller gets the same outcome.
        return (result as unknown as PromiseLike<unknown>).then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            recordError(span, error);
            span.end();
            throw error;
          },
        ) as unknown as T;
      }
      span.end();
      return result;
    },

    flush: () => keepAliveUntil(deps.flush()),
    shutdown: () => keepAliveUntil(deps.shutdown()),
    getClient: () => handle,
    captureSnapshot(label: string, variables?: Record<string, unknown>): void {
      const client = deps.snapshots();
      if (client !== null) client.captureSnapshot(label, variables);
    },
    getSnapshotClient: () => deps.snapshots(),
  };
  return Object.freeze(handle);
}

const FLUSH_BOUND_MS = 15_000;

/**
 * The agent's export sockets never keep a process alive, so `await tracekit.flush()` as the last thing a script
 * does would let Node exit (ESM: code 13) before the code after the await. A referenced timer holds the loop open
 * until the work settles, bounded in case the backend never answers.
 */
function keepAliveUntil(work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, FLUSH_BOUND_MS); });
  return Promise.race([work.catch(() => undefined), bound]).finally(() => clearTimeout(timer));
}

function safe<T>(make: () => T, fallback: T): T {
  try {
    return make();
  } catch (error) {
    debug(`metrics: ${error instanceof Error ? error.message : String(error)}`);
    return fallback;
  }
}

function plainObject(attributes: Attributes | undefined): Attributes | undefined {
  return attributes !== null && typeof attributes === 'object' ? attributes : undefined;
}
