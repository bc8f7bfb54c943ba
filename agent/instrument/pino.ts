/**
 * pino 7-10: trace ids in every record written inside a span, and the record handed to the log exporter.
 *
 * Through pino's own `mixin` mechanism, never by touching the app's objects or the serialized line: each logger
 * gets, on its first write, a mixin that returns a fresh object with the trace fields and then whatever the app's
 * own mixin returns (so the app's mixin wins), and pino merges the record's own fields over it (so a field the
 * app logs wins too). Child loggers inherit the mixin as pino intends. The app's formatters, serializers and
 * transports (pino-pretty) see an ordinary record.
 *
 * The row hooks `pino/lib/proto`, a file pino requires internally, so ESM apps (whose `import 'pino'` no
 * require hook sees) are covered too. Its export is the factory of every logger's prototype.
 */
import path from 'node:path';
import { nodeRequire } from '../node-require.js';
import { activeTraceFields } from '../logs/trace-fields.js';
import { copyAttributes, severityFromNumericLevel } from '../logs/record.js';
import type { LogRecordSink } from '../logs/record.js';
import { defineInstrumentation } from './definition.js';
import type { LoadedModule } from './definition.js';
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

type Mixin = (mergeObject: unknown, level: number, logger: unknown) => Record<string, unknown>;

interface PinoSymbols {
  mixinSym: symbol;
  writeSym: symbol;
  messageKeySym?: symbol;
}

interface PinoState {
  patchPrototype(exports: unknown, loaded: LoadedModule): unknown;
}

const kOurs = Symbol('tracekit.pinoMixin');
const SKIP = new Set(['msg', 'level', 'time', 'pid', 'hostname', 'trace_id', 'span_id', 'trace_flags', 'service.name']);

export const pino = defineInstrumentation<PinoState>({
  name: 'pino',
  enabledByDefault: true,
  modules: [{ module: 'pino', file: 'lib/proto', versions: '>=7 <11', patch: (exports, state, loaded) => state.patchPrototype(exports, loaded) }],
  create: createPinoState,
});

function createPinoState(runtime: AgentRuntime, guard: Guard): PinoState {
  const { serviceName } = runtime.config;
  const inject = runtime.config.logs.injection;
  const sink = runtime.logSink;

  function mixinFor(user: Mixin | undefined): Mixin {
    const mixin = function tracekitMixin(this: unknown, mergeObject: unknown, level: number, logger: unknown): Record<string, unknown> {
      const fields = guard.active && inject ? guard.run(() => activeTraceFields(serviceName)) : undefined;
      const theirs = user === undefined ? undefined : user.call(this, mergeObject, level, logger);
      if (fields === undefined) return theirs ?? {};
      return theirs == null ? (fields as unknown as Record<string, unknown>) : Object.assign(fields, theirs);
    } as Mixin & { [kOurs]?: true };
    mixin[kOurs] = true;
    return mixin;
  }

  return {
    patchPrototype(exports, loaded) {
      if (typeof exports !== 'function' || loaded.basedir === undefined) return exports;
      const symbols = nodeRequire(path.join(loaded.basedir, 'lib', 'symbols.js')) as PinoSymbols;
      const prototype = Object.getPrototypeOf((exports as () => object)()) as Record<symbol, unknown>;
      const { mixinSym, writeSym } = symbols;
      if (typeof mixinSym !== 'symbol' || typeof writeSym !== 'symbol') throw new Error('pino/lib/symbols has no mixin or write symbol');
      guard.wrap(prototype, writeSym, {
        enter(logger, args) {
          const instance = logger as Record<symbol, unknown>;
          const current = instance[mixinSym] as (Mixin & { [kOurs]?: true }) | undefined;
          // Once per logger: children inherit the parent's (already ours) through the prototype chain.
          if (inject && current?.[kOurs] !== true) instance[mixinSym] = mixinFor(current);
          if (sink !== undefined) emitRecord(sink, serviceName, args, symbols, instance);
          return undefined;
        },
      });
      return exports;
    },
  };
}

/** `write(obj, msg, level)`: the record for the exporter, copied from what the app logged. */
function emitRecord(sink: LogRecordSink, serviceName: string, args: IArguments, symbols: PinoSymbols, logger: Record<symbol, unknown>): void {
  const obj = args[0] as Record<string, unknown> | undefined | null;
  const level = typeof args[2] === 'number' ? args[2] : 30;
  const severity = severityFromNumericLevel(level);
  const messageKey = (symbols.messageKeySym !== undefined ? logger[symbols.messageKeySym] : undefined) as string | undefined ?? 'msg';
  let body = typeof args[1] === 'string' ? args[1] : undefined;
  if (body === undefined && obj instanceof Error) body = obj.message;
  if (body === undefined && obj != null && typeof obj === 'object' && typeof obj[messageKey] === 'string') body = obj[messageKey] as string;
  const fields = activeTraceFields(serviceName);
  sink.emit({
    time: Date.now(),
    severityNumber: severity.number,
    severityText: severity.text,
    body: body ?? '',
    attributes: obj instanceof Error ? {} : copyAttributes(obj, SKIP),
    traceId: fields?.trace_id,
    spanId: fields?.span_id,
    flags: fields?.trace_flags === '01' ? 1 : 0,
    library: 'pino',
  });
}
