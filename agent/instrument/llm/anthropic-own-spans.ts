/**
 * @anthropic-ai/sdk 0.134 and later trace themselves through the global OpenTelemetry API: each client takes a
 * tracer from the global provider when it is constructed (`this._tracer = …`) and starts an
 * `anthropic.messages.create` span per messages call. Under the agent that tracer is the agent's, so every call
 * would have two LLM spans and its tokens would be counted twice. The agent's span replaces the SDK's: the
 * client's tracer is handed a stand-in that answers `anthropic.messages.create` (the only name the SDK uses for
 * messages calls, its streaming helper included) with a non-recording span, which the SDK treats as tracing off
 * for that call. Every other span of the SDK (files, batches, count_tokens, …) goes to the real tracer untouched,
 * and a tracer provider the app passed to the client itself is never touched. Older versions never set
 * `_tracer`, so the accessor is inert there.
 */
import { INVALID_SPAN_CONTEXT, trace } from '../../trace/api.js';
import type { Tracer } from '@opentelemetry/api';
import { AgentTracer } from '../../trace/tracer.js';
import type { Guard } from '../guard.js';

const OWN_SPAN = 'anthropic.messages.create';

export function replaceOwnMessagesSpan(guard: Guard, clientClass: unknown): void {
  const prototype = (clientClass as { prototype?: object } | undefined)?.prototype;
  if (prototype === undefined || Object.prototype.hasOwnProperty.call(prototype, '_tracer')) return;
  const tracers = new WeakMap<object, unknown>();
  const standIns = new WeakMap<object, Tracer>();
  const silent = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

  const standInFor = (real: AgentTracer): Tracer => {
    let standIn = standIns.get(real);
    if (standIn === undefined) {
      const startSpan = guard.protect((name: string, ...rest: unknown[]) =>
        name === OWN_SPAN && guard.active ? silent : (real.startSpan as (...a: unknown[]) => unknown)(name, ...rest),
      (args) => (real.startSpan as (...a: unknown[]) => unknown)(...args));
      standIn = { startSpan, startActiveSpan: real.startActiveSpan.bind(real) } as unknown as Tracer;
      standIns.set(real, standIn);
    }
    return standIn;
  };

  Object.defineProperty(prototype, '_tracer', {
    configurable: true,
    get(this: object) {
      const real = tracers.get(this);
      return guard.active && real instanceof AgentTracer ? standInFor(real) : real;
    },
    set(this: object, value: unknown) {
      tracers.set(this, value);
    },
  });
}
