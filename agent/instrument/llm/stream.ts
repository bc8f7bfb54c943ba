/**
 * Streams: the SDKs' `Stream` reads its chunks through its own `iterator` function (for-await, `tee()` and
 * `toReadableStream()` alike), so replacing that one function on the stream handed to the app sees every way of
 * consuming it. Each chunk is passed on the moment the SDK yields it (one promise hop, nothing buffered).
 *
 * The span ends when the stream is read to its end, fails, or is abandoned: a `break` out of for-await (the
 * iterator's `return`) ends it at once; a stream that is never iterated ends, marked abandoned and timed at the
 * moment it was handed over, once the app drops it and it is garbage-collected (its HTTP response stays open
 * until then anyway).
 */
import type { Guard } from '../guard.js';
import type { LlmCall } from './call.js';
import type { WatchDropped } from './abandoned.js';

type AsyncIter = AsyncIterator<unknown> & { [Symbol.asyncIterator]?: () => unknown };

interface SdkStream {
  iterator?: (...args: unknown[]) => AsyncIter;
}

export function createStreamWatcher(guard: Guard, watchDropped: WatchDropped): (stream: unknown, call: LlmCall) => void {
  return function watchStream(stream, call) {
    const target = stream as SdkStream;
    const iterator = target?.iterator;
    if (target === null || typeof target !== 'object' || typeof iterator !== 'function') {
      guard.run(() => call.end());
      return;
    }
    // Nearly every app starts reading at once; only a stream still unread a turn later is watched until it is
    // collected (a FinalizationRegistry entry costs more than the rest of the call's bookkeeping).
    guard.run(() => setImmediate(() => {
      if (!call.iterated) guard.run(() => watchDropped(target, call, 'stream'));
    }));
    // A plain pass-through rather than guard.around, which passes straight through once the row is off: a stream
    // whose request the agent changed (usage asked for) must keep having that undone, whatever happens to the row.
    // The SDK's iterator is called exactly once per call, with its arguments; the wrapper only reads results.
    target.iterator = function iteratorObserved(this: unknown): AsyncIter {
      return wrapIterator(guard, iterator.apply(this, arguments as unknown as unknown[]), call);
    };
  };
}

/** The usage-only chunk the agent asked for: no choices, a usage object. Never throws (plain JSON data). */
function isAddedUsageChunk(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const chunk = value as { choices?: unknown; usage?: unknown };
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null && typeof chunk.usage === 'object';
}

function wrapIterator(guard: Guard, inner: AsyncIter, call: LlmCall): AsyncIter {
  call.iterated = true;
  const strip = call.addedUsage;
  const onError = (error: unknown): never => {
    guard.run(() => call.fail(error));
    throw error;
  };
  const onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done === true) {
      guard.run(() => call.endStream(false));
      return result;
    }
    const value = result.value;
    guard.run(() => call.adapter.chunk(call, value));
    // The request was changed to ask for usage, so the answer is changed back even if the row failed since: the
    // app must never see a chunk (or a field) it did not ask for.
    if (strip) {
      if (isAddedUsageChunk(value)) return inner.next().then(onResult, onError);
      if (value !== null && typeof value === 'object' && (value as { usage?: unknown }).usage === null) delete (value as { usage?: unknown }).usage;
    }
    return result;
  };
  const wrapped: AsyncIter = {
    next(...args: [] | [unknown]) {
      return inner.next(...args).then(onResult, onError);
    },
    return(value?: unknown) {
      guard.run(() => call.endStream(true));
      return typeof inner.return === 'function' ? inner.return(value) : Promise.resolve({ done: true, value });
    },
    throw(error?: unknown) {
      guard.run(() => call.fail(error));
      return typeof inner.throw === 'function' ? inner.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return wrapped;
}
