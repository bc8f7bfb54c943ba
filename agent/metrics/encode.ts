/**
 * The metrics body every TraceKit SDK sends, field for field: one resource with service.name,
 * one scope `tracekit`, one metric per name and type; counters as monotonic cumulative sums, gauges and
 * histograms as gauges; each recorded value is its own data point (as the TraceKit SDKs send it: a counter
 * point carries the increment).
 */
import type { MetricPoint, Series } from './buffer.js';

interface DataPoint {
  attributes: Series['attributes'];
  timeUnixNano: string;
  asDouble: number;
}

type Metric =
  | { name: string; sum: { dataPoints: DataPoint[]; aggregationTemporality: 2; isMonotonic: true } }
  | { name: string; gauge: { dataPoints: DataPoint[] } };

export function encodeMetricsJson(serviceName: string, points: readonly MetricPoint[]): string {
  const metrics: Metric[] = [];
  const byNameAndType = new Map<string, DataPoint[]>();
  for (const point of points) {
    const series = point.series;
    const type = series.kind === 'counter' ? 'sum' : 'gauge';
    const key = `${type}\u0000${series.name}`;
    let dataPoints = byNameAndType.get(key);
    if (dataPoints === undefined) {
      dataPoints = [];
      byNameAndType.set(key, dataPoints);
      metrics.push(type === 'sum'
        ? { name: series.name, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } }
        : { name: series.name, gauge: { dataPoints } });
    }
    // Integer epoch milliseconds → nanoseconds as a decimal string, exactly.
    dataPoints.push({ attributes: series.attributes, timeUnixNano: `${point.time}000000`, asDouble: point.value });
  }
  return JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
      scopeMetrics: [{ scope: { name: 'tracekit' }, metrics }],
    }],
  });
}
