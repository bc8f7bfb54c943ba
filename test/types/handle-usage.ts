// Type test (compiled by test/unit/types.test.mjs with `tsc -p test/types/tsconfig.json`, strict, no emit): every
// method of the `tracekit` handle, through `import { tracekit } from '@tracekit/agent'` and through the global that
// `import '@tracekit/agent/global'` declares. Types are checked with exact-type assertions, so a method that
// degraded to `any` fails too.
import { tracekit } from '@tracekit/agent';
import defaultHandle from '@tracekit/agent';
import type {
  Attributes,
  Counter,
  Gauge,
  Histogram,
  MetricTags,
  SnapshotClient,
  Span,
  SpanStatusName,
  TracekitHandle,
} from '@tracekit/agent';
import '@tracekit/agent/global';
import { trace } from '@opentelemetry/api';
import type { Span as OtelSpan } from '@opentelemetry/api';

/** Compiles only when A and B are the same type (not merely assignable; `any` does not pass). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_ok?: T): void {}

function useHandle(h: TracekitHandle): void {
  const enabled: boolean = h.enabled;
  assertType<Equal<typeof h.enabled, boolean>>();

  // Metrics.
  const tags: MetricTags = { region: 'eu', code: 200, ok: true };
  const counter = h.counter('orders.created', tags);
  assertType<Equal<typeof counter, Counter>>();
  counter.inc();
  counter.add(2.5);
  assertType<Equal<ReturnType<Counter['inc']>, void>>();
  const counterNoTags: Counter = h.counter('orders.created');
  counterNoTags.add(1);

  const gauge = h.gauge('queue.depth', { queue: 'jobs' });
  assertType<Equal<typeof gauge, Gauge>>();
  gauge.set(5);
  gauge.inc();
  gauge.dec();

  const histogram = h.histogram('request.duration');
  assertType<Equal<typeof histogram, Histogram>>();
  histogram.record(12.5);

  // Manual spans.
  const attributes: Attributes = { 'user.id': 'u1', items: 3, cached: false, tags: ['a', 'b'] };
  const span = h.startSpan('checkout', attributes);
  assertType<Equal<typeof span, Span>>();
  const otelSpan: OtelSpan = span; // the handle's Span is the OpenTelemetry API Span
  otelSpan.setAttribute('step', 1);
  h.endSpan(span);
  h.endSpan(h.startSpan('a'), { done: true });
  h.endSpan(h.startSpan('b'), undefined, 'OK');
  const status: SpanStatusName = enabled ? 'ERROR' : 'OK';
  h.endSpan(h.startSpan('c'), {}, status);
  h.recordException(span, new Error('boom'));
  h.recordException(span, 'a string is accepted too');
  h.recordException(trace.getTracer('x').startSpan('from otel'), { anything: 1 });

  const n = h.withSpan('sync', (s) => {
    assertType<Equal<typeof s, Span>>();
    return 42;
  });
  assertType<Equal<typeof n, number>>();
  const p = h.withSpan('async', async (s) => {
    s.setAttribute('k', 'v');
    return 'done';
  }, { 'attr.key': 'value' });
  assertType<Equal<typeof p, Promise<string>>>();
  h.withSpan('void', () => undefined);

  // Lifecycle.
  const flushed = h.flush();
  assertType<Equal<typeof flushed, Promise<void>>>();
  const stopped = h.shutdown();
  assertType<Equal<typeof stopped, Promise<void>>>();
  const client = h.getClient();
  assertType<Equal<typeof client, TracekitHandle>>();

  // Snapshots.
  const captured = h.captureSnapshot('checkout', { cart: { items: 3 } });
  assertType<Equal<typeof captured, void>>();
  h.captureSnapshot('no-vars');
  const snapshots = h.getSnapshotClient();
  assertType<Equal<typeof snapshots, SnapshotClient | null>>();
  snapshots?.captureSnapshot('via client', { id: 1 });
}

async function main(): Promise<void> {
  // The import.
  useHandle(tracekit);
  assertType<Equal<typeof tracekit, TracekitHandle>>();
  assertType<Equal<typeof defaultHandle, TracekitHandle>>();
  await tracekit.flush();

  // The global, declared by '@tracekit/agent/global'.
  assertType<Equal<typeof globalThis.tracekit, TracekitHandle>>();
  useHandle(globalThis.tracekit);
  globalThis.tracekit.counter('global.counter', { via: 'global' }).inc();
  const value = await globalThis.tracekit.withSpan('global.with', async () => 1);
  assertType<Equal<typeof value, number>>();
  await globalThis.tracekit.shutdown();
}

void main();
