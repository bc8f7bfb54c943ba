// Small helpers shared by the views: escaping, formatting and the colour of each service.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** Local time as HH:MM:SS.mmm. Built by hand: toLocaleTimeString costs ~0.5 ms a call, too much for 1,000 rows. */
export function formatTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const PALETTE = ['#4f7cff', '#16a085', '#e67e22', '#9b59b6', '#e84393', '#00a8c6', '#c0a000', '#6c5ce7', '#2d9d4f', '#d35400'];
const assigned = new Map();

/** A stable colour per service name (first come, first served, then a hash when the palette is used up). */
export function serviceColor(service) {
  let color = assigned.get(service);
  if (color === undefined) {
    if (assigned.size < PALETTE.length) color = PALETTE[assigned.size];
    else {
      let hash = 0;
      for (const ch of service) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
      color = `hsl(${hash % 360} 60% 45%)`;
    }
    assigned.set(service, color);
  }
  return color;
}

/** Shows any attribute value faithfully: false, 0 and "" included, objects as JSON. */
export function formatValue(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function debounce(fn, waitMs, maxWaitMs = waitMs * 4) {
  let timer;
  let first = 0;
  return (...args) => {
    const now = Date.now();
    if (timer === undefined) first = now;
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(waitMs, first + maxWaitMs - now));
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, wait);
  };
}

export async function api(path, options = {}) {
  const init = { ...options };
  if (options.json !== undefined) {
    init.body = JSON.stringify(options.json);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}
