/**
 * Standard OTLP/JSON metrics for a generic collector, aggregated per send interval (the TraceKit format in
 * encode.ts sends every recorded value as its own point instead):
 *   - counters: one sum point per series, monotonic; delta (temporality 1: the increase since the last send,
 *     start time = the previous send) or cumulative (temporality 2: the running total since the process started);
 *   - gauges: the last value of each series;
 *   - histograms: bucket counts over OpenTelemetry's default boundaries, with count, sum, min and max of the
 *     interval (always delta: a cumulative histogram would need every value since start).
 * The encoder keeps state between sends (the previous send time, and running totals for cumulative counters).
 */
import { nanosFromMillis } from '../export/otlp-json.js';
import type { MetricPoint, Series } from './buffer.js';

// OpenTelemetry's default explicit bucket boundaries.
const BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

interface Histogram {
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
}

export class OtlpMetricsEncoder {
  private lastSend: number;
  private readonly started: number;
  private readonly totals = new Map<Series, number>();

  constructor(
    private readonly serviceName: string,
    private readonly temporality: 'delta' | 'cumulative',
    now = Date.now(),
  ) {
    this.started = now;
    this.lastSend = now;
  }

  encode(points: readonly MetricPoint[], now = Date.now()): string {
    const sums = new Map<Series, number>();
    const gauges = new Map<Series, number>();
    const histograms = new Map<Series, Histogram>();
    for (const { series, value } of points) {
      if (series.kind === 'counter') sums.set(series, (sums.get(series) ?? 0) + value);
      else if (series.kind === 'gauge') gauges.set(series, value);
      else addToHistogram(histograms, series, value);
    }
    const start = this.lastSend;
    this.lastSend = now;
    const time = nanosFromMillis(now);
    const byName = new Map<string, Record<string, unknown>>();
    const metricFor = (series: Series, make: () => Record<string, unknown>) => {
      const key = `${series.kind}\u0000${series.name}`;
      let metric = byName.get(key);
      if (metric === undefined) byName.set(key, (metric = { name: series.name, ...make() }));
      return metric;
    };
    const cumulative = this.temporality === 'cumulative';
    for (const [series, increase] of sums) {
      const total = (this.totals.get(series) ?? 0) + increase;
      if (cumulative) this.totals.set(series, total);
      const metric = metricFor(series, () => ({ sum: { dataPoints: [], aggregationTemporality: cumulative ? 2 : 1, isMonotonic: true } }));
      (metric.sum as { dataPoints: unknown[] }).dataPoints.push({
        attributes: series.attributes,
        startTimeUnixNano: nanosFromMillis(cumulative ? this.started : start),
        timeUnixNano: time,
        asDouble: cumulative ? total : increase,
      });
    }
    for (const [series, value] of gauges) {
      const metric = metricFor(series, () => ({ gauge: { dataPoints: [] } }));
      (metric.gauge as { dataPoints: unknown[] }).dataPoints.push({ attributes: series.attributes, timeUnixNano: time, asDouble: value });
    }
    for (const [series, h] of histograms) {
      const metric = metricFor(series, () => ({ histogram: { dataPoints: [], aggregationTemporality: 1 } }));
      (metric.histogram as { dataPoints: unknown[] }).dataPoints.push({
        attributes: series.attributes,
        startTimeUnixNano: nanosFromMillis(start),
        timeUnixNano: time,
        count: String(h.count),
        sum: h.sum,
        min: h.min,
        max: h.max,
        bucketCounts: h.buckets.map(String),
        explicitBounds: BOUNDARIES,
      });
    }
    return JSON.stringify({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: this.serviceName } }] },
        scopeMetrics: [{ scope: { name: 'tracekit' }, metrics: [...byName.values()] }],
      }],
    });
  }
}

function addToHistogram(histograms: Map<Series, Histogram>, series: Series, value: number): void {
  let h = histograms.get(series);
  if (h === undefined) histograms.set(series, (h = { count: 0, sum: 0, min: Infinity, max: -Infinity, buckets: new Array(BOUNDARIES.length + 1).fill(0) }));
  h.count++;
  h.sum += value;
  if (value < h.min) h.min = value;
  if (value > h.max) h.max = value;
  let bucket = 0;
  while (bucket < BOUNDARIES.length && value > BOUNDARIES[bucket]!) bucket++;
  h.buckets[bucket]!++;
}
