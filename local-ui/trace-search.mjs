// The trace list's filters. Every filter matches a trace when ANY of its spans matches, so "service=payment"
// finds the checkout traces that called the payment service too.

export class BadQuery extends Error {}

const MAX_LIMIT = 1000;

/** Parses the query string of /api/traces into a filter; throws BadQuery with the reason. */
export function parseTraceQuery(params) {
  const limit = integer(params.get('limit'), 'limit', 50);
  const offset = integer(params.get('offset'), 'offset', 0);
  const status = (params.get('status') ?? '').toLowerCase();
  if (status !== '' && status !== 'ok' && status !== 'error') throw new BadQuery('status must be "ok" or "error"');
  const attribute = params.get('attr') ?? params.get('attribute') ?? '';
  let attrKey = '';
  let attrValue;
  if (attribute !== '') {
    const eq = attribute.indexOf('=');
    attrKey = (eq === -1 ? attribute : attribute.slice(0, eq)).trim();
    attrValue = eq === -1 ? undefined : attribute.slice(eq + 1).trim();
    if (attrKey === '') throw new BadQuery('attr must be key=value (or a key alone)');
  }
  return {
    limit: Math.min(limit, MAX_LIMIT),
    offset,
    service: params.get('service') ?? '',
    status,
    name: (params.get('name') ?? params.get('q') ?? '').toLowerCase(),
    attrKey,
    attrValue,
    minDurationMs: duration(params.get('minDuration') ?? params.get('min_duration')),
  };
}

function integer(raw, name, fallback) {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadQuery(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** Minimum duration: a number of milliseconds, or with a unit (250ms, 1.5s). */
function duration(raw) {
  if (raw === null || raw === undefined || raw === '') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?$/.exec(raw.trim());
  if (!match) throw new BadQuery('minDuration must be a number of milliseconds, or like 250ms or 1.5s');
  const factor = { us: 0.001, µs: 0.001, ms: 1, s: 1000 }[match[2] ?? 'ms'];
  return Number(match[1]) * factor;
}

/** Attribute values compare as text, so attr=http.status_code=500 matches the integer 500 and ok=false a boolean. */
function attributeMatches(span, key, value) {
  if (!(key in span.attributes)) return false;
  if (value === undefined) return true;
  const actual = span.attributes[key];
  return (typeof actual === 'object' && actual !== null ? JSON.stringify(actual) : String(actual)) === value;
}

export function traceMatches(trace, filter) {
  if (filter.status === 'error' && trace.errorCount === 0) return false;
  if (filter.status === 'ok' && trace.errorCount > 0) return false;
  if (filter.service !== '' && !trace.services.has(filter.service)) return false;
  if (filter.minDurationMs > 0 && trace.endMs - trace.startMs < filter.minDurationMs) return false;
  if (filter.name !== '' && !trace.spans.some((span) => span.name.toLowerCase().includes(filter.name))) return false;
  if (filter.attrKey !== '' && !trace.spans.some((span) => attributeMatches(span, filter.attrKey, filter.attrValue))) return false;
  return true;
}

/** Newest first, filtered, paged: { traces: summaries, total, limit, offset }. */
export function searchTraces(store, filter) {
  const matching = [];
  for (const trace of store.newestFirst()) if (traceMatches(trace, filter)) matching.push(trace);
  const page = matching.slice(filter.offset, filter.offset + filter.limit).map((trace) => trace.summary());
  return { traces: page, total: matching.length, limit: filter.limit, offset: filter.offset };
}
