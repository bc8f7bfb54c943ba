/**
 * The public shape of the `tracekit` handle: the global the agent installs, and what
 * `import { tracekit } from '@tracekit/agent'` returns (a no-op with the same shape when the agent is not preloaded).
 */
import type { Attributes, Span } from '@opentelemetry/api';

export type { Attributes, Span };

/** Tags become string attributes on every data point. */
export type MetricTags = Readonly<Record<string, string | number | boolean>>;

export interface Counter {
  /** Adds 1. */
  inc(): void;
  /** Adds `value`; negative, NaN and non-number values are ignored. */
  add(value: number): void;
}

export interface Gauge {
  set(value: number): void;
  inc(): void;
  dec(): void;
}

export interface Histogram {
  record(value: number): void;
}

export type SpanStatusName = 'OK' | 'ERROR';

/** Code monitoring's client; null from getSnapshotClient() while code monitoring is off. */
export interface SnapshotClient {
  captureSnapshot(label: string, variables?: Record<string, unknown>): void;
}

export interface TracekitHandle {
  /** True when the agent is running (preloaded and enabled); false for the no-op handle. */
  readonly enabled: boolean;
  counter(name: string, tags?: MetricTags): Counter;
  gauge(name: string, tags?: MetricTags): Gauge;
  histogram(name: string, tags?: MetricTags): Histogram;
  /** A new span, child of the active span (not made active: see withSpan). */
  startSpan(name: string, attributes?: Attributes): Span;
  endSpan(span: Span, attributes?: Attributes, status?: SpanStatusName): void;
  /** Adds an `exception` event (type, message, stacktrace) and sets status ERROR. */
  recordException(span: Span, error: unknown): void;
  /** Runs `fn` inside a new active span, ends it, records a thrown error (sync or async) and rethrows it. */
  withSpan<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T;
  /** Sends buffered spans and metrics now. */
  flush(): Promise<void>;
  /** Flushes and stops the agent's background work. */
  shutdown(): Promise<void>;
  /** The handle itself (for the seed SDK's `get_client()` style). */
  getClient(): TracekitHandle;
  /** Live debugging; a no-op unless code monitoring is enabled. Returns at once. */
  captureSnapshot(label: string, variables?: Record<string, unknown>): void;
  getSnapshotClient(): SnapshotClient | null;
}
