/**
 * How metric points are encoded, and how often the runtime metrics are taken.
 *
 * The TraceKit backend reads the TraceKit metrics JSON (each recorded value its own point; a counter point carries
 * the increment, marked cumulative). A plain OTLP collector would read those counter points as running totals, so
 * when the metrics endpoint is not TraceKit's the agent aggregates per interval and sends standard OTLP instead:
 *   - TRACEKIT_METRICS_TEMPORALITY=delta|cumulative chooses that explicitly (like OpenTelemetry's
 *     OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE);
 *   - unset, a metrics endpoint that came from OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT
 *     (and no TRACEKIT_ENDPOINT) means a collector: delta.
 * TRACEKIT_RUNTIME_METRICS (default true) and TRACEKIT_RUNTIME_METRICS_INTERVAL_MS (default 10000) control the
 * Node.js runtime metrics.
 */
import { booleanReader } from './parse.js';

export type MetricsFormat = { readonly kind: 'tracekit' } | { readonly kind: 'otlp'; readonly temporality: 'delta' | 'cumulative' };

export interface RuntimeMetricsConfig {
  readonly enabled: boolean;
  readonly intervalMs: number;
}

const MIN_INTERVAL_MS = 100;
const DEFAULT_INTERVAL_MS = 10_000;

export function readMetricsFormat(get: (name: string) => string | undefined, warn: (message: string) => void, show: (value: string) => string): MetricsFormat {
  const raw = get('TRACEKIT_METRICS_TEMPORALITY');
  if (raw !== undefined) {
    const value = raw.trim().toLowerCase();
    if (value === 'delta' || value === 'cumulative') return { kind: 'otlp', temporality: value };
    warn(`TRACEKIT_METRICS_TEMPORALITY=${show(raw)} is not delta or cumulative; using the default for this endpoint`);
  }
  const collector = get('TRACEKIT_ENDPOINT') === undefined &&
    (get('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') !== undefined || get('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined);
  return collector ? { kind: 'otlp', temporality: 'delta' } : { kind: 'tracekit' };
}

export function readRuntimeMetrics(get: (name: string) => string | undefined, warn: (message: string) => void, show: (value: string) => string): RuntimeMetricsConfig {
  const enabled = booleanReader(get, warn, show)('TRACEKIT_RUNTIME_METRICS', true);
  let intervalMs = DEFAULT_INTERVAL_MS;
  const rawInterval = get('TRACEKIT_RUNTIME_METRICS_INTERVAL_MS');
  if (rawInterval !== undefined) {
    const parsed = Number(rawInterval.trim());
    if (Number.isInteger(parsed) && parsed >= MIN_INTERVAL_MS && parsed <= 3_600_000) intervalMs = parsed;
    else warn(`TRACEKIT_RUNTIME_METRICS_INTERVAL_MS=${show(rawInterval)} is not a whole number of milliseconds from ${MIN_INTERVAL_MS} to 3600000; using ${DEFAULT_INTERVAL_MS}`);
  }
  return { enabled, intervalMs };
}
