// The code-monitoring state a TraceKit backend keeps, per service: breakpoints, the kill switch, the captured
// snapshots and the telemetry events agents report with their polls. Changes are announced through onChange so
// the SSE streams (agents) and the WebSocket feed (the page) hear about them at once.
import { randomBytes } from 'node:crypto';
import { estimateSize } from './otlp-normalize.mjs';

export class BadBreakpoint extends Error {}

const DEFAULT_MAX_CAPTURES = 100;

export class SnapshotStore {
  constructor({ maxSnapshots = 500, maxSnapshotBytes = 64 * 1024 * 1024, maxEvents = 200, now = Date.now } = {}) {
    this.maxSnapshots = maxSnapshots;
    // A capture may be up to the 10 MB body limit; 500 of those must not be kept.
    this.maxSnapshotBytes = maxSnapshotBytes;
    this.snapshotBytes = 0;
    this.maxEvents = maxEvents;
    this.now = now;
    /** @type {Map<string, object>} id → breakpoint */
    this.breakpoints = new Map();
    /** @type {Map<string, boolean>} service → kill switch */
    this.killSwitches = new Map();
    this.snapshots = [];
    this.events = [];
    /** (service, event, data) → void */
    this.onChange = () => {};
  }

  /** Restores saved state (from --db) without announcing it. */
  restore({ breakpoints, killSwitches }) {
    for (const bp of breakpoints) if (bp && typeof bp.id === 'string') this.breakpoints.set(bp.id, bp);
    for (const [service, enabled] of killSwitches) this.killSwitches.set(service, enabled);
  }

  services() {
    const names = new Set(this.killSwitches.keys());
    for (const bp of this.breakpoints.values()) names.add(bp.service_name);
    for (const snap of this.snapshots) names.add(snap.service_name);
    return [...names].sort();
  }

  forService(service) {
    return [...this.breakpoints.values()].filter((bp) => bp.service_name === service);
  }

  /** Remembers a service that polled, so the page lists it (with its kill switch) before it has breakpoints. */
  seen(service) {
    if (!this.killSwitches.has(service)) this.killSwitches.set(service, false);
  }

  killSwitch(service) {
    return this.killSwitches.get(service) === true;
  }

  setKillSwitch(service, enabled) {
    this.killSwitches.set(service, enabled);
    this.onChange(service, 'kill_switch', { enabled });
  }

  /**
   * Registers a call site (what the agent does the first time captureSnapshot runs there). The same
   * function_name:label (or file_path:line_number) in the same service returns the existing breakpoint.
   * New breakpoints start disabled, as on the TraceKit dashboard: nothing is captured until a developer asks.
   */
  register(input, { enabled = false } = {}) {
    const fields = breakpointFields(input);
    const existing = this.forService(fields.service_name).find((bp) => sameSite(bp, fields));
    if (existing) return { breakpoint: existing, created: false };
    const breakpoint = {
      id: `bp_${randomBytes(8).toString('hex')}`,
      ...fields,
      condition: typeof input.condition === 'string' ? input.condition : '',
      condition_eval: null,
      max_captures: positiveInteger(input.max_captures, DEFAULT_MAX_CAPTURES),
      capture_count: 0,
      expire_at: typeof input.expire_at === 'string' && !Number.isNaN(Date.parse(input.expire_at)) ? input.expire_at : null,
      enabled: input.enabled === undefined ? enabled : input.enabled === true,
      created_at: new Date(this.now()).toISOString(),
    };
    markEvaluable(breakpoint);
    this.breakpoints.set(breakpoint.id, breakpoint);
    this.onChange(breakpoint.service_name, 'breakpoint_created', breakpoint);
    return { breakpoint, created: true };
  }

  /** Applies a partial update from the page (enabled, condition, max_captures, expire_at). */
  update(id, patch) {
    const bp = this.breakpoints.get(id);
    if (bp === undefined) return undefined;
    if (patch.enabled !== undefined) {
      if (typeof patch.enabled !== 'boolean') throw new BadBreakpoint('enabled must be a boolean');
      bp.enabled = patch.enabled;
    }
    if (patch.condition !== undefined) bp.condition = String(patch.condition);
    if (patch.max_captures !== undefined) bp.max_captures = positiveInteger(patch.max_captures, bp.max_captures);
    if (patch.expire_at !== undefined) bp.expire_at = patch.expire_at === null ? null : String(patch.expire_at);
    if (patch.reset_count === true) bp.capture_count = 0;
    markEvaluable(bp);
    this.onChange(bp.service_name, 'breakpoint_updated', bp);
    return bp;
  }

  remove(id) {
    const bp = this.breakpoints.get(id);
    if (bp === undefined) return false;
    this.breakpoints.delete(id);
    this.onChange(bp.service_name, 'breakpoint_deleted', { id });
    return true;
  }

  /**
   * Stores a captured snapshot. Returns { status, reason? }: 201 stored, 404 unknown breakpoint, 409 when the
   * breakpoint is disabled, expired, over max_captures or the service's kill switch is on (the server counts).
   */
  capture(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return { status: 400, reason: 'body must be a JSON object' };
    if (typeof body.breakpoint_id !== 'string' || body.breakpoint_id === '') return { status: 400, reason: 'breakpoint_id required' };
    if (body.variables !== undefined && (body.variables === null || typeof body.variables !== 'object')) return { status: 400, reason: 'variables must be an object' };
    const bp = this.breakpoints.get(body.breakpoint_id);
    if (bp === undefined) return { status: 404, reason: `unknown breakpoint ${body.breakpoint_id}` };
    const refusal = this.refusal(bp);
    if (refusal) return { status: 409, reason: refusal };
    bp.capture_count++;
    const snapshot = {
      id: `snap_${randomBytes(8).toString('hex')}`,
      ...body,
      service_name: typeof body.service_name === 'string' && body.service_name !== '' ? body.service_name : bp.service_name,
      label: body.label ?? bp.label,
      received_at: new Date(this.now()).toISOString(),
    };
    const size = estimateSize(snapshot);
    Object.defineProperty(snapshot, 'size', { value: size, enumerable: false });
    this.snapshots.push(snapshot);
    this.snapshotBytes += size;
    while (this.snapshots.length > 1 && (this.snapshots.length > this.maxSnapshots || this.snapshotBytes > this.maxSnapshotBytes)) {
      this.snapshotBytes -= this.snapshots.shift().size;
    }
    this.onChange(bp.service_name, 'breakpoint_updated', bp);
    this.onChange(bp.service_name, 'snapshot_captured', snapshot);
    return { status: 201, snapshot };
  }

  refusal(bp) {
    if (this.killSwitch(bp.service_name)) return 'the kill switch is on for this service';
    if (!bp.enabled) return 'breakpoint is disabled';
    if (bp.expire_at && Date.parse(bp.expire_at) <= this.now()) return 'breakpoint has expired';
    if (bp.capture_count >= bp.max_captures) return 'breakpoint reached max_captures';
    return undefined;
  }

  addEvents(service, events) {
    for (const event of events) this.events.push({ service, received_at: new Date(this.now()).toISOString(), event });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
  }

  listSnapshots({ service = '', breakpointId = '', limit = 100 } = {}) {
    return this.snapshots
      .filter((s) => (service === '' || s.service_name === service) && (breakpointId === '' || s.breakpoint_id === breakpointId))
      .slice(-limit)
      .reverse();
  }

  clearSnapshots() {
    this.snapshots = [];
    this.snapshotBytes = 0;
  }
}

/**
 * This server cannot evaluate a condition against the app's variables, so a breakpoint with one tells the agent
 * to evaluate it itself ('sdk-evaluable'); without that mark the agent would capture regardless.
 */
function markEvaluable(bp) {
  bp.condition_eval = bp.condition.trim() !== '' ? 'sdk-evaluable' : null;
}

function breakpointFields(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new BadBreakpoint('body must be a JSON object');
  const text = (name) => (typeof input[name] === 'string' ? input[name] : '');
  const fields = {
    service_name: text('service_name'),
    file_path: text('file_path'),
    line_number: Number.isInteger(input.line_number) ? input.line_number : Number.parseInt(String(input.line_number ?? ''), 10) || 0,
    function_name: text('function_name'),
    label: text('label'),
  };
  if (fields.service_name === '') throw new BadBreakpoint('service_name required');
  if (fields.label === '' && fields.file_path === '') throw new BadBreakpoint('label or file_path required');
  return fields;
}

function sameSite(bp, fields) {
  if (fields.label !== '' && bp.label === fields.label && bp.function_name === fields.function_name) return true;
  return fields.file_path !== '' && bp.file_path === fields.file_path && bp.line_number === fields.line_number && bp.label === fields.label;
}

function positiveInteger(raw, fallback) {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
