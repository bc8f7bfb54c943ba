/**
 * Calls whose result the app drops without reading it: an `APIPromise` nobody parses (never awaited, or read
 * only with `asResponse()`), or a stream nobody iterates. There is no moment at which "never" is known, so such
 * a call's span ends when the object is garbage-collected, timed at the moment the response arrived (or the
 * stream was handed over). The registry holds the call, never the object it watches.
 */
import type { Guard } from '../guard.js';
import { now } from '../../trace/time.js';
import type { LlmCall } from './call.js';

interface Watched {
  call: LlmCall;
  kind: 'promise' | 'stream';
  at: number;
}

export type WatchDropped = (target: object, call: LlmCall, kind: Watched['kind']) => void;

export function createDropWatcher(guard: Guard): WatchDropped {
  const registry = new FinalizationRegistry<Watched>(guard.protect((watched: Watched) => {
    const { call, kind, at } = watched;
    if (call.ended) return;
    if (kind === 'promise' && !call.parsing) {
      call.end(call.responseAt ?? at);
    } else if (kind === 'stream' && !call.iterated) {
      call.span.setAttribute('tracekit.llm.stream.abandoned', true);
      call.end(at);
    }
  }));
  return (target, call, kind) => {
    registry.register(target, { call, kind, at: now() });
  };
}
