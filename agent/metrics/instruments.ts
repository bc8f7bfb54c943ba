/**
 * Counters, gauges and histograms of the `tracekit` handle, memoised by name and sorted tags as the TraceKit SDKs do. The hot path is one bounds check,
 * one Date.now() and one small object per recorded value (the data point itself); series attributes are built once
 * per instrument, and instruments are memoised by type, name and sorted tags.
 *
 * Memoised instruments live as long as the process, so their number is capped, as OpenTelemetry's cardinality
 * limit does: a tag holding a user id or a URL would otherwise keep one series per value alive (200,000 tag sets
 * held ~100 MB). Past the cap, a metric's new tag sets all record into one overflow series.
 */
import { debug, warnOnce } from '../log.js';
import type { Counter, Gauge, Histogram, MetricTags } from '../api/types.js';
import type { MetricsBuffer, MetricKind, Series } from './buffer.js';

/** OpenTelemetry's default cardinality limit. */
export const MAX_SERIES_PER_METRIC = 2000;
/** All metrics together: many metric names each under the per-metric cap must not add up to unbounded memory. */
export const MAX_SERIES = 20_000;
/** OpenTelemetry's name for the series that collects everything past the cap. */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';
/** One overflow series per metric name, for this many names at most. */
const MAX_OVERFLOW_SERIES = 1000;
const OVERFLOW_METRIC_NAME = 'tracekit.metric.overflow';

export class MetricRegistry {
  private readonly instruments = new Map<string, Counter | Gauge | Histogram>();
  /** kind + name → how many series that metric has. */
  private readonly seriesPerMetric = new Map<string, number>();

  constructor(private readonly buffer: MetricsBuffer) {}

  counter(name: string, tags?: MetricTags): Counter {
    return this.instrument('counter', name, tags, (series) => new CounterInstrument(this.buffer, series)) as Counter;
  }

  gauge(name: string, tags?: MetricTags): Gauge {
    return this.instrument('gauge', name, tags, (series) => new GaugeInstrument(this.buffer, series)) as Gauge;
  }

  histogram(name: string, tags?: MetricTags): Histogram {
    return this.instrument('histogram', name, tags, (series) => new HistogramInstrument(this.buffer, series)) as Histogram;
  }

  private instrument(kind: MetricKind, name: string, tags: MetricTags | undefined, create: (series: Series) => Counter | Gauge | Histogram) {
    const metricName = String(name);
    const attributes = tagsToAttributes(tags);
    const key = `${kind}\u0000${metricName}\u0000${attributes.map((a) => `${a.key}=${a.value.stringValue}`).join('\u0000')}`;
    let instrument = this.instruments.get(key);
    if (instrument === undefined) {
      const metricKey = `${kind}\u0000${metricName}`;
      const count = this.seriesPerMetric.get(metricKey) ?? 0;
      if (count >= MAX_SERIES_PER_METRIC || this.instruments.size >= MAX_SERIES) {
        return this.overflow(kind, metricName, metricKey, create);
      }
      this.seriesPerMetric.set(metricKey, count + 1);
      instrument = create({ name: metricName, kind, attributes });
      this.instruments.set(key, instrument);
    }
    return instrument;
  }

  private overflow(kind: MetricKind, name: string, metricKey: string, create: (series: Series) => Counter | Gauge | Histogram) {
    // Thousands of distinct metric names (a name built from an id): past that, they share one overflow per kind.
    const tooManyNames = this.instruments.size >= MAX_SERIES + MAX_OVERFLOW_SERIES;
    const key = tooManyNames ? `${kind}\u0000\u0001overflow` : `${metricKey}\u0000\u0001overflow`;
    if (tooManyNames) name = OVERFLOW_METRIC_NAME;
    let instrument = this.instruments.get(key);
    if (instrument === undefined) {
      const limit = (this.seriesPerMetric.get(metricKey) ?? 0) >= MAX_SERIES_PER_METRIC
        ? `${MAX_SERIES_PER_METRIC} tag sets for this metric` : `${MAX_SERIES} series in all`;
      warnOnce(tooManyNames ? 'metric-overflow:names' : `metric-overflow:${metricKey}`, `${kind} ${JSON.stringify(name.slice(0, 100))} reached ${limit}; ` +
        `further tag sets are recorded into one series tagged ${OVERFLOW_ATTRIBUTE}=true (a tag holding ids or URLs?)`);
      instrument = create({ name, kind, attributes: [{ key: OVERFLOW_ATTRIBUTE, value: { stringValue: 'true' } }] });
      this.instruments.set(key, instrument);
    }
    return instrument;
  }
}

function tagsToAttributes(tags: MetricTags | undefined): Series['attributes'] {
  if (tags == null || typeof tags !== 'object') return [];
  return Object.keys(tags)
    .sort()
    .filter((key) => tags[key] !== undefined && tags[key] !== null)
    .map((key) => ({ key, value: { stringValue: String(tags[key]) } }));
}

function isUsable(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

class CounterInstrument implements Counter {
  constructor(private readonly buffer: MetricsBuffer, private readonly series: Series) {}

  inc(): void {
    this.buffer.record(this.series, 1);
  }

  add(value: number): void {
    if (!isUsable(value) || value < 0) {
      debug(() => `counter ${this.series.name}: ignored add(${String(value)}) (counters take finite values >= 0)`);
      return;
    }
    this.buffer.record(this.series, value);
  }
}

class GaugeInstrument implements Gauge {
  private value = 0;

  constructor(private readonly buffer: MetricsBuffer, private readonly series: Series) {}

  set(value: number): void {
    if (!isUsable(value)) {
      debug(() => `gauge ${this.series.name}: ignored set(${String(value)})`);
      return;
    }
    this.value = value;
    this.buffer.record(this.series, value);
  }

  inc(): void {
    this.buffer.record(this.series, ++this.value);
  }

  dec(): void {
    this.buffer.record(this.series, --this.value);
  }
}

class HistogramInstrument implements Histogram {
  constructor(private readonly buffer: MetricsBuffer, private readonly series: Series) {}

  record(value: number): void {
    if (!isUsable(value)) {
      debug(() => `histogram ${this.series.name}: ignored record(${String(value)})`);
      return;
    }
    this.buffer.record(this.series, value);
  }
}
