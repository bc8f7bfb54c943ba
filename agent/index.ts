/**
 * `import { tracekit } from '@tracekit/agent'` (or `require`). With the agent preloaded this is the running
 * agent's handle (the same object as the global `tracekit`); without it, a no-op handle of the same shape.
 * This entry never starts anything: it is a separate, tiny bundle.
 */
import { noopHandle } from './api/noop.js';
import type { TracekitHandle } from './api/types.js';

export type {
  Attributes,
  Counter,
  Gauge,
  Histogram,
  MetricTags,
  SnapshotClient,
  Span,
  SpanStatusName,
  TracekitHandle,
} from './api/types.js';

const HANDLE_KEY = Symbol.for('tracekit.handle');

function current(): TracekitHandle {
  const handle = (globalThis as Record<symbol, unknown>)[HANDLE_KEY];
  return handle !== undefined && handle !== null ? (handle as TracekitHandle) : noopHandle;
}

export const tracekit: TracekitHandle = current();
export default tracekit;
