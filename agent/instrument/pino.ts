/**
 * pino 7-10: trace ids in every record written inside a span, and the record handed to the log exporter.
 *
 * The fields are added to the line pino has just serialized (its `asJson` returns `{…}\n`): the agent's own
 * values (hex ids, the service name escaped once) go in before the closing brace, unless the record (the logged
 * object merged with the app's mixin) or the logger's bindings already set that field, in which case the app's
 * value stands. Nothing of the app's is touched: not the logged object, not the logger, not its options. Measured
 * against pino's own `mixin` (which copies every record and serializes the extra keys one by one) this costs a
 * fraction: a mixin returning the four fields made each call about 2.5 times slower here. The app's formatters,
 * serializers and transports (pino-pretty parses the line) work as before.
 *
 * The row hooks `pino/lib/proto`, a file pino requires internally, so ESM apps (whose `import 'pino'` no
 * require hook sees) are covered too. Its export is the factory of every logger's prototype.
 */
import path from 'node:path';
import { nodeRequire } from '../node-require.js';
import { activeTraceFields, activeTraceFieldsJson } from '../logs/trace-fields.js';
import { copyAttributes, logRecord, severityFromNumericLevel } from '../logs/record.js';
import type { LogRecordSink } from '../logs/record.js';
import { defineInstrumentation } from './definition.js';
import type { LoadedModule } from './definition.js';
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

interface PinoSymbols {
  asJsonSym: symbol;
  writeSym: symbol;
  chindingsSym?: symbol;
  messageKeySym?: symbol;
}

interface PinoState {
  patchPrototype(exports: unknown, loaded: LoadedModule): unknown;
}

const SKIP = new Set(['msg', 'level', 'time', 'pid', 'hostname', 'trace_id', 'span_id', 'trace_flags', 'service.name']);
const FIELD_KEYS = ['trace_id', 'span_id', 'trace_flags', 'service.name'] as const;

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
  const serviceJson = JSON.stringify(serviceName);
  const storage = runtime.contextManager.storage;

  // The logger's bindings (pino's `chindings`, a string such as `,"pid":1,"hostname":"h"`) are the same string on
  // every call of a logger: whether they set one of the fields is worked out once per string, not per record.
  let lastBindings: unknown;
  let lastBound: string | undefined;
  const boundFields = (bindings: unknown): string | undefined => {
    if (bindings !== lastBindings) {
      lastBindings = bindings;
      lastBound = typeof bindings === 'string' && FIELD_KEYS.some((key) => bindings.includes(`"${key}":`)) ? bindings : undefined;
    }
    return lastBound;
  };

  /** `line` with the trace fields the record does not set itself, or undefined when nothing is to be added. */
  function spliced(line: unknown, record: unknown, bindings: unknown): string | undefined {
    // Ends with `}\n` (character codes, not endsWith: this runs on every record).
    if (typeof line !== 'string' || line.charCodeAt(line.length - 1) !== 10 || line.charCodeAt(line.length - 2) !== 125) return undefined;
    // The agent's store read directly: the API's `context.active()` looks the global context manager up and
    // checks its version on every call. Outside the agent's context (another context manager), the API's.
    const all = activeTraceFieldsJson(serviceName, serviceJson, storage.getStore());
    if (all === undefined) return undefined;
    const own = record !== null && typeof record === 'object' ? (record as Record<string, unknown>) : undefined;
    const bound = boundFields(bindings);
    let extra = all;
    // The app set one of the fields itself (in the record, its mixin or the logger's bindings): keep its value.
    if (bound !== undefined ||
        (own !== undefined && (own.trace_id !== undefined || own.span_id !== undefined || own.trace_flags !== undefined || own['service.name'] !== undefined))) {
      const fields = activeTraceFields(serviceName)!;
      extra = '';
      for (const key of FIELD_KEYS) {
        if (own?.[key] !== undefined || (bound !== undefined && bound.includes(`"${key}":`))) continue;
        extra += key === 'service.name' ? `,"service.name":${serviceJson}` : `,"${key}":"${fields[key]}"`;
      }
    }
    if (extra === '') return undefined;
    // `{}\n` (a record with no field at all) has nothing before the brace to follow with a comma.
    return line.length === 3 ? `{${extra.slice(1)}}\n` : line.slice(0, -2) + extra + '}\n';
  }

  return {
    patchPrototype(exports, loaded) {
      if (typeof exports !== 'function' || loaded.basedir === undefined) return exports;
      const symbols = nodeRequire(path.join(loaded.basedir, 'lib', 'symbols.js')) as PinoSymbols;
      const prototype = Object.getPrototypeOf((exports as () => object)()) as Record<symbol, unknown>;
      const { asJsonSym, writeSym, chindingsSym } = symbols;
      if (typeof asJsonSym !== 'symbol' || typeof writeSym !== 'symbol') throw new Error('pino/lib/symbols has no asJson or write symbol');
      if (inject) {
        guard.wrapResult(prototype, asJsonSym, (line, logger, record) =>
          spliced(line, record, chindingsSym === undefined ? undefined : (logger as Record<symbol, unknown>)[chindingsSym]));
      }
      if (sink !== undefined) {
        guard.wrap(prototype, writeSym, {
          enter(logger, args) {
            emitRecord(sink, serviceName, args, symbols, logger as Record<symbol, unknown>);
            return undefined;
          },
        });
      }
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
  sink.emit(logRecord('pino', severity, body ?? '', obj instanceof Error ? {} : copyAttributes(obj, SKIP), fields));
}
