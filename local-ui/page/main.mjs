// The page's entry: tabs, the WebSocket feed and the header's live status. Each tab refreshes itself from the
// API when it is shown and when the feed says something it shows has changed.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { $, api, debounce } from './dom.mjs';
import { MetricsView } from './metrics-view.mjs';
import { ServiceMapView } from './service-map-view.mjs';
import { SnapshotsView } from './snapshots-view.mjs';
import { TracesView } from './traces-view.mjs';

// Render timings, read by the render benchmark (bench/local-ui-render.mjs) and handy in the console.
const timings = (window.tracekitTimings = {});
const views = {
  traces: new TracesView(timings),
  map: new ServiceMapView(),
  snapshots: new SnapshotsView(),
  metrics: new MetricsView(),
};
let current = 'traces';

function show(name) {
  if (!(name in views)) name = 'traces';
  current = name;
  for (const button of document.querySelectorAll('.tabs button')) button.classList.toggle('active', button.dataset.view === name);
  for (const section of document.querySelectorAll('.view')) section.classList.toggle('active', section.id === `view-${name}`);
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  refreshView(name);
}

function refreshView(name) {
  views[name].refresh().catch((error) => console.warn(`tracekit-local: ${name} refresh failed`, error));
}

const refreshCurrentSoon = debounce(() => refreshView(current), 300, 1000);
const refreshStatsSoon = debounce(refreshStats, 200, 1000);

async function refreshStats() {
  try {
    const stats = await api('/api/stats');
    $('#stats-text').textContent = ` · ${stats.traces} traces · ${stats.spans} spans · ${stats.metricSeries} metric series · ${stats.snapshots} snapshots`;
    views.traces.setServices(stats.services);
  } catch {
    // the feed's status already says the server is gone
  }
}

function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.onopen = () => {
    $('#live-dot').className = 'dot live';
    $('#live-text').textContent = 'live';
  };
  socket.onclose = () => {
    $('#live-dot').className = 'dot down';
    $('#live-text').textContent = 'disconnected, retrying…';
    setTimeout(connect, 1500);
  };
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    onMessage(message);
  };
}

function onMessage(message) {
  switch (message.type) {
    case 'connected':
      refreshView(current);
      break;
    case 'new_trace':
    case 'trace_updated':
    case 'traces_cleared':
    case 'logs_added':
      if (current === 'traces') views.traces.onFeed(message);
      else if (current === 'map') refreshCurrentSoon();
      break;
    case 'metrics_updated':
    case 'metrics_cleared':
      if (current === 'metrics') refreshCurrentSoon();
      break;
    case 'breakpoints_changed':
    case 'snapshot_captured':
    case 'snapshots_cleared':
      if (current === 'snapshots') refreshCurrentSoon();
      break;
    default:
      return;
  }
  refreshStatsSoon();
}

for (const button of document.querySelectorAll('.tabs button')) button.addEventListener('click', () => show(button.dataset.view));
document.addEventListener('click', (e) => {
  const link = e.target.closest('[data-trace-link]');
  if (!link) return;
  e.preventDefault();
  show('traces');
  views.traces.select(link.dataset.traceLink);
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));
show(location.hash.slice(1) || 'traces');
refreshStats();
connect();
