// Metric points kept as one series per service, name and tag set, each a bounded ring of [timeMs, value]:
// enough for a chart of the last minutes, never an unbounded heap.

export class MetricStore {
  constructor({ maxSeries = 2000, maxPointsPerSeries = 600 } = {}) {
    this.maxSeries = maxSeries;
    this.maxPoints = maxPointsPerSeries;
    /** @type {Map<string, object>} */
    this.series = new Map();
    this.pointsReceived = 0;
    this.seriesDropped = 0;
  }

  /** Adds points; returns the keys of the series that changed. */
  add(points) {
    const changed = new Set();
    for (const point of points) {
      const key = seriesKey(point);
      let series = this.series.get(key);
      if (series === undefined) {
        if (this.series.size >= this.maxSeries) {
          // The series not updated for the longest time goes (Map order is refreshed on every update below).
          const oldest = this.series.keys().next().value;
          this.series.delete(oldest);
          this.seriesDropped++;
        }
        series = { key, name: point.name, type: point.type, unit: point.unit, service: point.service, attributes: point.attributes, points: [] };
      } else this.series.delete(key);
      this.series.set(key, series);
      series.points.push([point.timeMs, point.value]);
      if (series.points.length > this.maxPoints) series.points.splice(0, series.points.length - this.maxPoints);
      this.pointsReceived++;
      changed.add(key);
    }
    return [...changed];
  }

  /** Series sorted by service, name and tags; `since` (ms) keeps only newer points. */
  list({ service = '', name = '', since = 0 } = {}) {
    const out = [];
    for (const series of this.series.values()) {
      if (service !== '' && series.service !== service) continue;
      if (name !== '' && !series.name.includes(name)) continue;
      const points = since > 0 ? series.points.filter((p) => p[0] >= since) : series.points;
      const last = series.points[series.points.length - 1];
      out.push({ ...series, points, last: last ? last[1] : null });
    }
    return out.sort((a, b) => (a.service + a.name + a.key).localeCompare(b.service + b.name + b.key));
  }

  clear() {
    this.series.clear();
  }
}

function seriesKey(point) {
  const tags = Object.keys(point.attributes).sort().map((k) => `${k}=${JSON.stringify(point.attributes[k])}`).join(',');
  return `${point.service}|${point.name}|${tags}`;
}
