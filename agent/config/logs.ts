/**
 * Log correlation and log export settings:
 *   TRACEKIT_LOGS_INJECTION (default true): trace ids in pino, winston and bunyan records written inside a span;
 *   TRACEKIT_LOGS_EXPORT (default false): also send those records as OTLP logs to the configured endpoint (the
 *   app's own log pipeline usually ships them already). In development they always go to the Local UI.
 */
import { booleanReader } from './parse.js';

export interface LogsConfig {
  readonly injection: boolean;
  readonly export: boolean;
}

export function readLogsConfig(get: (name: string) => string | undefined, warn: (message: string) => void, show: (value: string) => string): LogsConfig {
  const flag = booleanReader(get, warn, show);
  return { injection: flag('TRACEKIT_LOGS_INJECTION', true), export: flag('TRACEKIT_LOGS_EXPORT', false) };
}
