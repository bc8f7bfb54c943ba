/**
 * Counters, gauges and histograms of the `tracekit` handle (protocol doc §3). The hot path is one bounds check,
 * one Date.now() and one small object per recorded value (the data point itself); series attributes are built once
 * per instrument, and instruments are memoised by type, name and sorted tags.
 */
import { debug } from '../log.js';
import type { Counter, Gauge, Histogram, MetricTags } from '../api/types.js';
import type { MetricsBuffer, MetricKind, Series } from './buffer.js';

export class MetricRegistry {
  private readonly instruments = new Map<string, Counter | Gauge | Histogram>();

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
      instrument = create({ name: metricName, kind, attributes });
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
