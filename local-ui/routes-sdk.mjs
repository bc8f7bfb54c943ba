// The code-monitoring backend agents talk to, the same calls they make to TraceKit's cloud (no API key needed):
// poll, auto-register, capture and the SSE stream.
import { HttpError, parseJson, readBody, sendJson } from './http-body.mjs';
import { BadBreakpoint } from './snapshot-store.mjs';
import { ssePath } from './sse-hub.mjs';

function pollResponse(ctx, service) {
  return {
    breakpoints: ctx.snapshots.forService(service),
    kill_switch: ctx.snapshots.killSwitch(service),
    sse_endpoint: ssePath(service),
  };
}

async function sdkBody(req, ctx) {
  const value = parseJson(await readBody(req, ctx.maxBodyBytes));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value;
}

export function poll(req, res, ctx, { params }) {
  ctx.snapshots.seen(params.service);
  sendJson(res, 200, pollResponse(ctx, params.service));
}

/** The poll with pending telemetry events ({"events":[…]}, e.g. circuit_breaker_tripped). */
export async function pollWithEvents(req, res, ctx, { params }) {
  const body = await sdkBody(req, ctx);
  if (body.events !== undefined && !Array.isArray(body.events)) throw new HttpError(400, 'events must be an array');
  ctx.snapshots.seen(params.service);
  ctx.snapshots.addEvents(params.service, body.events ?? []);
  sendJson(res, 200, pollResponse(ctx, params.service));
}

export async function autoRegister(req, res, ctx) {
  const body = await sdkBody(req, ctx);
  let result;
  try {
    result = ctx.snapshots.register(body);
  } catch (error) {
    if (error instanceof BadBreakpoint) throw new HttpError(400, error.message);
    throw error;
  }
  sendJson(res, result.created ? 201 : 200, { id: result.breakpoint.id, enabled: result.breakpoint.enabled });
}

export async function capture(req, res, ctx) {
  const body = await sdkBody(req, ctx);
  const result = ctx.snapshots.capture(body);
  if (result.status !== 201) throw new HttpError(result.status, result.reason);
  sendJson(res, 201, { id: result.snapshot.id });
}

export function stream(req, res, ctx, { params }) {
  ctx.snapshots.seen(params.service);
  ctx.sse.open(params.service, req, res);
}
