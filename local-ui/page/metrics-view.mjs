// The Metrics tab: one chart per metric name and tag set (the app's own and the runtime's), drawn with uPlot.
import uPlot from 'uplot';
import { $, api, esc, serviceColor } from './dom.mjs';

export class MetricsView {
  constructor() {
    this.grid = $('#metric-grid');
    this.filter = $('#metric-filter');
    this.plots = new Map();
    this.filter.addEventListener('input', () => this.refresh());
  }

  async refresh() {
    const { series } = await api(`/api/metrics?name=${encodeURIComponent(this.filter.value.trim())}`);
    $('#metrics-empty').hidden = series.length > 0;
    $('#metric-count').textContent = `${series.length} series`;
    const keep = new Set(series.map((s) => s.key));
    for (const [key, entry] of this.plots) {
      if (!keep.has(key)) {
        entry.plot.destroy();
        entry.card.remove();
        this.plots.delete(key);
      }
    }
    for (const s of series) this.upsert(s);
  }

  upsert(series) {
    const data = [series.points.map((p) => p[0] / 1000), series.points.map((p) => p[1])];
    let entry = this.plots.get(series.key);
    if (entry === undefined) {
      const card = document.createElement('div');
      card.className = 'metric-card';
      card.dataset.metric = series.name;
      const tags = Object.entries(series.attributes).map(([k, v]) => `<span class="tag">${esc(k)}=${esc(String(v))}</span>`).join('');
      card.innerHTML =
        `<div class="metric-head"><b>${esc(series.name)}</b> <span class="muted">${esc(series.type)}${series.unit ? ` · ${esc(series.unit)}` : ''}</span></div>` +
        `<div class="metric-tags"><span class="tag svc">${esc(series.service)}</span>${tags}</div><div class="metric-last"></div><div class="chart"></div>`;
      this.grid.append(card);
      const color = serviceColor(series.service);
      const plot = new uPlot(
        {
          width: 380,
          height: 150,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          axes: [{ stroke: '#6b7280', grid: { stroke: '#eef0f4' } }, { stroke: '#6b7280', grid: { stroke: '#eef0f4' }, size: 56, values: (u, values) => values.map(compact) }],
          series: [{}, { stroke: color, width: 2, fill: `${color.startsWith('#') ? `${color}22` : 'rgba(79,124,255,0.12)'}`, points: { show: series.points.length < 30 } }],
        },
        data,
        card.querySelector('.chart'),
      );
      entry = { card, plot };
      this.plots.set(series.key, entry);
    } else entry.plot.setData(data);
    entry.card.querySelector('.metric-last').textContent = `last ${formatNumber(series.last)} · ${series.points.length} points`;
  }
}

/** Axis labels that fit: 40M, 1.5k, 0.25. */
function compact(value) {
  if (value === null || value === undefined) return '';
  const abs = Math.abs(value);
  for (const [limit, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) if (abs >= limit) return `${Math.round((value / limit) * 10) / 10}${suffix}`;
  return String(Math.round(value * 100) / 100);
}

function formatNumber(value) {
  if (value === null || value === undefined) return '–';
  if (Math.abs(value) >= 1e4) return compact(value);
  return String(Math.round(value * 1000) / 1000);
}
