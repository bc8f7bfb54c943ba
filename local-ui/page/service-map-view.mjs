// The Service map tab: services in columns by call depth (callers left of callees), edges labelled with their
// call count and error rate, drawn as SVG.
import { $, api, esc, serviceColor } from './dom.mjs';

const NODE_W = 170;
const NODE_H = 54;
const COL_GAP = 130;
const ROW_GAP = 34;

/** Column of each service: the longest chain of callers above it (cycles are cut where first met). */
function columns(nodes, edges) {
  const incoming = new Map(nodes.map((n) => [n.service, []]));
  for (const e of edges) incoming.get(e.target)?.push(e.source);
  const depth = new Map();
  const visiting = new Set();
  const depthOf = (service) => {
    if (depth.has(service)) return depth.get(service);
    if (visiting.has(service)) return 0;
    visiting.add(service);
    let d = 0;
    for (const source of incoming.get(service) ?? []) d = Math.max(d, depthOf(source) + 1);
    visiting.delete(service);
    depth.set(service, d);
    return d;
  };
  for (const n of nodes) depthOf(n.service);
  return depth;
}

function pct(rate) {
  return `${Math.round(rate * 1000) / 10}%`;
}

export function renderServiceMap(svg, map) {
  const depth = columns(map.nodes, map.edges);
  const byColumn = new Map();
  for (const n of [...map.nodes].sort((a, b) => a.service.localeCompare(b.service))) {
    const d = depth.get(n.service) ?? 0;
    if (!byColumn.has(d)) byColumn.set(d, []);
    byColumn.get(d).push(n);
  }
  const pos = new Map();
  let maxRows = 0;
  for (const [col, list] of byColumn) {
    maxRows = Math.max(maxRows, list.length);
    list.forEach((n, row) => pos.set(n.service, { x: 30 + col * (NODE_W + COL_GAP), y: 40 + row * (NODE_H + ROW_GAP) }));
  }
  const width = 60 + byColumn.size * (NODE_W + COL_GAP);
  const height = 80 + maxRows * (NODE_H + ROW_GAP);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const edges = map.edges
    .map((e) => {
      const a = pos.get(e.source);
      const b = pos.get(e.target);
      if (!a || !b) return '';
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x - 6;
      const y2 = b.y + NODE_H / 2;
      const back = x2 <= x1;
      const mid = (x1 + x2) / 2;
      const path = back ? `M${a.x + NODE_W / 2},${a.y + NODE_H} C${a.x + NODE_W / 2},${a.y + NODE_H + 60} ${b.x + NODE_W / 2},${b.y + NODE_H + 60} ${b.x + NODE_W / 2},${b.y + NODE_H + 6}` : `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
      const cls = e.errors > 0 ? 'edge error' : 'edge';
      const lx = back ? (a.x + b.x + NODE_W) / 2 : mid;
      const ly = back ? Math.max(a.y, b.y) + NODE_H + 50 : (y1 + y2) / 2 - 8;
      return (
        `<g class="${cls}" data-edge="${esc(e.source)}→${esc(e.target)}"><path d="${path}" marker-end="url(#arrow${e.errors > 0 ? '-err' : ''})"/>` +
        `<text x="${lx}" y="${ly}" text-anchor="middle">${e.calls} call${e.calls === 1 ? '' : 's'} · ${pct(e.errorRate)} err</text></g>`
      );
    })
    .join('');
  const nodes = map.nodes
    .map((n) => {
      const p = pos.get(n.service);
      return (
        `<g class="node${n.errors > 0 ? ' has-errors' : ''}${n.traced ? '' : ' untraced'}" data-service="${esc(n.service)}" transform="translate(${p.x},${p.y})">` +
        `<rect width="${NODE_W}" height="${NODE_H}" rx="9" style="stroke:${serviceColor(n.service)}"/>` +
        `<circle cx="16" cy="18" r="6" style="fill:${serviceColor(n.service)}"/>` +
        `<text x="30" y="23" class="node-name">${esc(n.service.length > 18 ? `${n.service.slice(0, 17)}…` : n.service)}</text>` +
        `<text x="14" y="43" class="node-stats">${n.traced ? `${n.spans} spans · ${pct(n.errorRate)} err` : 'not traced'}</text></g>`
      );
    })
    .join('');
  svg.innerHTML =
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow"/></marker>` +
    `<marker id="arrow-err" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow error"/></marker></defs>` +
    edges +
    nodes;
}

export class ServiceMapView {
  constructor() {
    this.svg = $('#service-map');
  }

  async refresh() {
    const map = await api('/api/service-map');
    $('#map-empty').hidden = map.edges.length > 0;
    renderServiceMap(this.svg, map);
  }
}
