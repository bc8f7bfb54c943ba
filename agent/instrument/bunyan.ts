/**
 * bunyan 1: trace ids in every record written inside a span, and the record handed to the log exporter.
 *
 * bunyan builds a fresh record object for every call (the app's fields copied into it) and passes it to
 * `Logger.prototype._emit(rec)`. Inside a span the agent passes on a copy with the trace fields under the
 * record's own (a field the app logs wins). Raw streams receive the copy; the app's objects are never touched.
 *
 * bunyan's main file requires no file of its own, so an ESM `import bunyan from 'bunyan'` is not seen by
 * require hooks: ESM apps that import bunyan are not covered (`createRequire` is).
 */
import { activeTraceFields, withTraceFields } from '../logs/trace-fields.js';
import { copyAttributes, logRecord, severityFromNumericLevel } from '../logs/record.js';
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

interface BunyanState {
  patchLogger(exports: unknown): unknown;
}

const SKIP = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'trace_id', 'span_id', 'trace_flags', 'service.name']);

export const bunyan = defineInstrumentation<BunyanState>({
  name: 'bunyan',
  enabledByDefault: true,
  modules: [{ module: 'bunyan', versions: '>=1 <2', patch: (exports, state) => state.patchLogger(exports) }],
  create: createBunyanState,
});

function createBunyanState(runtime: AgentRuntime, guard: Guard): BunyanState {
  const { serviceName } = runtime.config;
  const inject = runtime.config.logs.injection;
  const sink = runtime.logSink;
  return {
    patchLogger(exports) {
      const prototype = (exports as { prototype?: object } | undefined)?.prototype;
      if (prototype === undefined) return exports;
      guard.wrap(prototype, '_emit', {
        enter(_logger, args) {
          const rec = args[0] as Record<string, unknown> | undefined;
          if (rec === null || typeof rec !== 'object') return undefined;
          const fields = activeTraceFields(serviceName);
          if (fields !== undefined && inject) args[0] = withTraceFields(rec, fields);
          // `_emit(rec, true)` only serializes (no output): no record for the exporter then.
          if (sink !== undefined && args[1] !== true) {
            const severity = severityFromNumericLevel(typeof rec.level === 'number' ? rec.level : 30);
            const time = rec.time instanceof Date ? rec.time.getTime() : Date.now();
            sink.emit(logRecord('bunyan', severity, typeof rec.msg === 'string' ? rec.msg : '', copyAttributes(rec, SKIP), fields, time));
          }
          return undefined;
        },
      });
      return exports;
    },
  };
}
