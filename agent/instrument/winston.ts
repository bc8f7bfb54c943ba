/**
 * winston 3: trace ids in every record written inside a span, and the record handed to the log exporter.
 *
 * Every record, whatever logger or child logger wrote it, reaches `Logger.prototype.write(info)` before the
 * format pipeline runs. Inside a span the agent passes on a copy of `info` with the trace fields added where the
 * app has not set them (a field the app sets wins; winston's symbol keys such as LEVEL and SPLAT are own enumerable
 * properties and are copied too). The app's object is never changed, and
 * `format.combine`, `printf` and every transport see an ordinary info object.
 *
 * The row hooks `winston/lib/winston/logger`, which winston requires internally, so ESM apps are covered.
 */
import { activeTraceFields, withTraceFields } from '../logs/trace-fields.js';
import { copyAttributes, logRecord, severityFromName } from '../logs/record.js';
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

interface WinstonState {
  patchLogger(exports: unknown): unknown;
}

const SKIP = new Set(['level', 'message', 'timestamp', 'trace_id', 'span_id', 'trace_flags', 'service.name']);

export const winston = defineInstrumentation<WinstonState>({
  name: 'winston',
  enabledByDefault: true,
  modules: [{ module: 'winston', file: 'lib/winston/logger', versions: '>=3 <4', patch: (exports, state) => state.patchLogger(exports) }],
  create: createWinstonState,
});

function createWinstonState(runtime: AgentRuntime, guard: Guard): WinstonState {
  const { serviceName } = runtime.config;
  const inject = runtime.config.logs.injection;
  const sink = runtime.logSink;
  return {
    patchLogger(exports) {
      const prototype = (exports as { prototype?: object } | undefined)?.prototype;
      if (prototype === undefined) return exports;
      guard.wrap(prototype, 'write', {
        enter(_logger, args) {
          const info = args[0] as Record<string, unknown> | undefined;
          if (info === null || typeof info !== 'object') return undefined;
          const fields = activeTraceFields(serviceName);
          if (fields !== undefined && inject) args[0] = withTraceFields(info, fields);
          if (sink !== undefined) {
            const body = typeof info.message === 'string' ? info.message : String(info.message ?? '');
            sink.emit(logRecord('winston', severityFromName(info.level), body, copyAttributes(info, SKIP), fields));
          }
          return undefined;
        },
      });
      return exports;
    },
  };
}
