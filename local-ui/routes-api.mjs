// The read/manage API the page (and TraceKit's own tools) use under /api.
import { HttpError, mediaType, parseJson, readBody, sendJson } from './http-body.mjs';
import { buildServiceMap } from './service-map.mjs';
import { BadQuery, parseTraceQuery, searchTraces } from './trace-search.mjs';
import { BadBreakpoint } from './snapshot-store.mjs';

export function health(req, res, ctx) {
  sendJson(res, 200, { status: 'ok', uptime: Math.round((Date.now() - ctx.startedAt) / 1000), version: ctx.version, stats: ctx.stats() });
}

export function stats(req, res, ctx) {
  sendJson(res, 200, ctx.stats());
}

export function listTraces(req, res, ctx, { url }) {
  let filter;
  try {
    filter = parseTraceQuery(url.searchParams);
  } catch (error) {
    if (error instanceof BadQuery) throw new HttpError(400, error.message);
    throw error;
  }
  sendJson(res, 200, searchTraces(ctx.traces, filter));
}

export function getTrace(req, res, ctx, { params }) {
  const trace = ctx.traces.get(params.id.toLowerCase());
  if (trace === undefined) throw new HttpError(404, `no trace ${params.id}`);
  sendJson(res, 200, trace.detail());
}

export function clearTraces(req, res, ctx) {
  ctx.clearTraces();
  sendJson(res, 200, { cleared: true });
}

export function serviceMap(req, res, ctx) {
  sendJson(res, 200, buildServiceMap(ctx.traces.traces.values()));
}

export function services(req, res, ctx) {
  const names = new Set(ctx.traces.stats().services);
  for (const series of ctx.metrics.series.values()) names.add(series.service);
  for (const name of ctx.snapshots.services()) names.add(name);
  sendJson(res, 200, { services: [...names].sort() });
}

export function listMetrics(req, res, ctx, { url }) {
  const q = url.searchParams;
  const since = Number(q.get('since') ?? 0);
  if (!Number.isFinite(since)) throw new HttpError(400, 'since must be a time in milliseconds');
  sendJson(res, 200, { series: ctx.metrics.list({ service: q.get('service') ?? '', name: q.get('name') ?? '', since }) });
}

export function clearMetrics(req, res, ctx) {
  ctx.metrics.clear();
  ctx.feed.broadcast({ type: 'metrics_cleared', data: {} });
  sendJson(res, 200, { cleared: true });
}

export function listLogs(req, res, ctx, { url }) {
  const q = url.searchParams;
  const limit = Math.min(Number(q.get('limit') ?? 500) || 500, 5000);
  const logs = ctx.logs.query({ spanId: q.get('span_id') ?? q.get('spanId') ?? '', traceId: q.get('trace_id') ?? q.get('traceId') ?? '', service: q.get('service') ?? '', limit });
  sendJson(res, 200, { logs });
}

export function listBreakpoints(req, res, ctx) {
  const out = ctx.snapshots.services().map((service) => ({
    service,
    kill_switch: ctx.snapshots.killSwitch(service),
    breakpoints: ctx.snapshots.forService(service),
  }));
  sendJson(res, 200, { services: out });
}

/** JSON bodies for the page's own changes; requiring the JSON media type keeps other web pages from posting. */
async function jsonBody(req, ctx) {
  if (mediaType(req) !== 'application/json') throw new HttpError(415, 'Content-Type must be application/json');
  const value = parseJson(await readBody(req, ctx.maxBodyBytes));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value;
}

function breakpointErrors(action) {
  try {
    return action();
  } catch (error) {
    if (error instanceof BadBreakpoint) throw new HttpError(400, error.message);
    throw error;
  }
}

export async function createBreakpoint(req, res, ctx) {
  const body = await jsonBody(req, ctx);
  const { breakpoint, created } = breakpointErrors(() => ctx.snapshots.register(body, { enabled: true }));
  sendJson(res, created ? 201 : 200, breakpoint);
}

export async function updateBreakpoint(req, res, ctx, { params }) {
  const body = await jsonBody(req, ctx);
  const bp = breakpointErrors(() => ctx.snapshots.update(params.id, body));
  if (bp === undefined) throw new HttpError(404, `no breakpoint ${params.id}`);
  sendJson(res, 200, bp);
}

export function deleteBreakpoint(req, res, ctx, { params }) {
  if (!ctx.snapshots.remove(params.id)) throw new HttpError(404, `no breakpoint ${params.id}`);
  sendJson(res, 200, { deleted: params.id });
}

export async function setKillSwitch(req, res, ctx, { params }) {
  const body = await jsonBody(req, ctx);
  if (typeof body.enabled !== 'boolean') throw new HttpError(400, 'enabled must be a boolean');
  ctx.snapshots.setKillSwitch(params.service, body.enabled);
  sendJson(res, 200, { service: params.service, kill_switch: body.enabled });
}

export function listSnapshots(req, res, ctx, { url }) {
  const q = url.searchParams;
  const limit = Math.min(Number(q.get('limit') ?? 100) || 100, 500);
  sendJson(res, 200, { snapshots: ctx.snapshots.listSnapshots({ service: q.get('service') ?? '', breakpointId: q.get('breakpoint_id') ?? '', limit }) });
}

export function clearSnapshots(req, res, ctx) {
  ctx.snapshots.clearSnapshots();
  ctx.feed.broadcast({ type: 'snapshots_cleared', data: {} });
  sendJson(res, 200, { cleared: true });
}
