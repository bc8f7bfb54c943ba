/**
 * The handle without the agent: same shape, does nothing, throws nothing, starts nothing, so code that uses
 * `tracekit` runs unchanged in tests or wherever the agent is not preloaded.
 */
import { INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import type { Counter, Gauge, Histogram, TracekitHandle } from './types.js';

const noopCounter: Counter = Object.freeze({ inc() {}, add() {} });
const noopGauge: Gauge = Object.freeze({ set() {}, inc() {}, dec() {} });
const noopHistogram: Histogram = Object.freeze({ record() {} });
const resolved = Promise.resolve();

export const noopHandle: TracekitHandle = Object.freeze({
  enabled: false,
  counter: () => noopCounter,
  gauge: () => noopGauge,
  histogram: () => noopHistogram,
  startSpan: () => trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  endSpan() {},
  recordException() {},
  withSpan<T>(_name: string, fn: (span: ReturnType<typeof trace.wrapSpanContext>) => T): T {
    return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  },
  flush: () => resolved,
  shutdown: () => resolved,
  getClient(): TracekitHandle {
    return noopHandle;
  },
  captureSnapshot() {},
  getSnapshotClient: () => null,
});
