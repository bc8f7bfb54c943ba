// Captured variables as a collapsible tree. Redaction markers ("[REDACTED:email]") are highlighted so it is
// obvious what the agent scrubbed before the snapshot left the process.
import { esc } from './dom.mjs';

const REDACTED = /\[REDACTED:[a-z_]+\]/g;

function scalar(value) {
  if (value === null) return '<span class="v-null">null</span>';
  if (typeof value === 'string') {
    const text = esc(JSON.stringify(value)).replace(REDACTED, (m) => `<mark class="redacted">${m}</mark>`);
    return `<span class="v-string">${text}</span>`;
  }
  return `<span class="v-${typeof value}">${esc(String(value))}</span>`;
}

function preview(value) {
  if (Array.isArray(value)) return `Array(${value.length})`;
  const keys = Object.keys(value);
  return `{${keys.slice(0, 4).map(esc).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

export function renderTree(value, depth = 0) {
  if (value === null || typeof value !== 'object') return scalar(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  if (entries.length === 0) return `<span class="muted">${Array.isArray(value) ? '[]' : '{}'}</span>`;
  const items = entries
    .map(([key, child]) => {
      const isObject = child !== null && typeof child === 'object';
      if (!isObject) return `<li><span class="key">${esc(key)}</span>: ${scalar(child)}</li>`;
      return `<li><details${depth < 1 ? ' open' : ''}><summary><span class="key">${esc(key)}</span>: <span class="muted">${preview(child)}</span></summary>${renderTree(child, depth + 1)}</details></li>`;
    })
    .join('');
  return `<ul class="tree">${items}</ul>`;
}
