/**
 * Code monitoring (live debugging): `captureSnapshot(label, variables)` is synchronous and
 * returns at once; the first call from a call site registers a breakpoint; a capture happens only when an active
 * breakpoint matches `function_name:label` (fallback `file:line`), is enabled, not expired, under `max_captures`
 * and at most once a second. The breakpoint set comes from polling (30 s; 60 s under the kill switch) and, when
 * the server offers it, from an SSE stream that falls back to polling on any failure.
 *
 * Cost when nothing matches: a label whose call sites are known and that no breakpoint names returns after one
 * Map lookup; the stack is captured only to discover call sites (once per label per 10 s) or to match a label that
 * a breakpoint names.
 */
import path from 'node:path';
import { describeFailure } from '../export/failure.js';
import { requestText } from '../export/http-sender.js';
import { debug, info, warn, warnOnce } from '../log.js';
import { BreakpointStore, parseBreakpoint, parseBreakpointList } from './breakpoints.js';
import type { Breakpoint } from './breakpoints.js';
import { captureCallSite } from './call-site.js';
import type { CallSite } from './call-site.js';
import { evaluateCondition } from './condition.js';
import { PiiScrubber } from './pii.js';
import { buildRequestContext } from './request-context.js';
import { activeRequest, activeSpan } from '../instrument/active-request.js';
import { serializeVariables, warmUpSerializer } from './serialize.js';
import { SseConnection, resolveSseUrl } from './sse.js';
import { Uploader } from './uploader.js';
import type { SnapshotClient } from '../api/types.js';

export interface MonitorOptions {
  baseUrl: string;
  /** Undefined for the Local UI's backend, which takes no key (and must never be sent one). */
  apiKey: string | undefined;
  /** The variable the key came from, named when the server refuses it. */
  apiKeyVariable?: string | undefined;
  serviceName: string;
  pollIntervalMs: number;
  killSwitchPollIntervalMs: number;
  breakerCooldownMs?: number;
  sseSilenceMs?: number;
  piiScrubbing: boolean;
  piiExtraNames: readonly string[];
  /** Files (or directories) whose stack frames are the agent's and never a user's call site. */
  agentPaths: readonly string[];
}

const DISCOVERY_INTERVAL_MS = 10_000;
const RATE_LIMIT_MS = 1000;
const REPOLL_AFTER_REGISTER_MS = 500;
const MAX_LABELS = 1000;
const MAX_POLL_BYTES = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_PENDING_EVENTS = 100;
/** Behind a hanging backend, registrations would otherwise pile up one socket per new call site. */
const MAX_REGISTRATIONS_IN_FLIGHT = 4;
const SSE_MAX_BACKOFF_MS = 60_000;

interface LabelState {
  nextDiscovery: number;
}

export class CodeMonitor implements SnapshotClient {
  private readonly store = new BreakpointStore();
  private readonly labels = new Map<string, LabelState>();
  private readonly registered = new Set<string>();
  private readonly lastCapture = new Map<string, number>();
  private readonly localCaptures = new Map<string, number>();
  private readonly pendingEvents: object[] = [];
  private readonly uploader: Uploader;
  private readonly pii: PiiScrubber | undefined;
  private readonly headers: Record<string, string>;
  private readonly pollUrl: URL;
  private killSwitch = false;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined = undefined;
  private polling: Promise<void> | undefined = undefined;
  private sse: SseConnection | undefined = undefined;
  private sseConnected = false;
  private sseEndpoint: string | undefined = undefined;
  private sseFailures = 0;
  private sseRetryAt = 0;
  private lastPollWarning = 0;
  private registrationsInFlight = 0;
  captures = 0;

  constructor(private readonly options: MonitorOptions) {
    this.headers = options.apiKey === undefined ? { Accept: 'application/json' } : { 'X-API-Key': options.apiKey, Accept: 'application/json' };
    this.pollUrl = new URL(`${options.baseUrl}/sdk/snapshots/active/${encodeURIComponent(options.serviceName)}`);
    this.pii = options.piiScrubbing ? new PiiScrubber({ extraNames: options.piiExtraNames }) : undefined;
    this.uploader = new Uploader({
      url: new URL(`${options.baseUrl}/sdk/snapshots/capture`),
      headers: this.headers,
      keyVariable: options.apiKeyVariable ?? 'TRACEKIT_API_KEY',
      cooldownMs: options.breakerCooldownMs,
      onTrip: (failureCount) => this.queueEvent({
        type: 'circuit_breaker_tripped',
        service_name: options.serviceName,
        failure_count: failureCount,
        window_seconds: 60,
        cooldown_seconds: Math.round((options.breakerCooldownMs ?? 300_000) / 1000),
        timestamp: new Date().toISOString(),
      }),
    });
  }

  start(): void {
    // The first poll right after start, without delaying it.
    this.schedulePoll(0);
    // The serializer's first run pays V8's lazy compilation (4-8 ms), which would eat the first capture's 2 ms budget:
    // pay it once, off the start-up path.
    setTimeout(() => {
      try {
        warmUpSerializer(this.pii);
        debug('snapshot serializer warmed up');
      } catch {
        // Only a warm-up.
      }
    }, 200).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.closeSse();
  }

  flush(): Promise<void> {
    return this.uploader.flush();
  }

  /** Whether snapshot uploads are queued or under way (so that an exit flush waits for them). */
  get uploading(): boolean {
    return this.uploader.busy;
  }

  // ---- the hot path ----

  readonly captureSnapshot = (label: string, variables?: Record<string, unknown>): void => {
    try {
      if (this.killSwitch || this.stopped || typeof label !== 'string') return;
      const now = Date.now();
      let state = this.labels.get(label);
      if (state !== undefined && now < state.nextDiscovery && !this.store.hasLabel(label) && !this.store.hasLineOnlyBreakpoints) return;
      if (state === undefined) {
        if (this.labels.size >= MAX_LABELS) return;
        state = { nextDiscovery: 0 };
        this.labels.set(label, state);
      }
      const site = captureCallSite(this.captureSnapshot, this.options.agentPaths);
      if (site === undefined) return;
      if (now >= state.nextDiscovery) {
        state.nextDiscovery = now + DISCOVERY_INTERVAL_MS;
        this.register(site, label);
      }
      const breakpoint = this.store.match(site.functionName, label, site.filePath, site.lineNumber);
      if (breakpoint === undefined || !this.mayCapture(breakpoint, now, variables)) return;
      this.capture(breakpoint, site, label, variables, now);
    } catch (error) {
      warnOnce('capture-failed', `captureSnapshot failed internally (${error instanceof Error ? error.message : String(error)}); the app is unaffected`);
    }
  };

  private mayCapture(breakpoint: Breakpoint, now: number, variables: Record<string, unknown> | undefined): boolean {
    if (!breakpoint.enabled) return false;
    if (breakpoint.expireAt !== undefined && now >= breakpoint.expireAt) return false;
    const captured = breakpoint.captureCount + (this.localCaptures.get(breakpoint.id) ?? 0);
    if (captured >= breakpoint.maxCaptures) return false;
    const last = this.lastCapture.get(breakpoint.id);
    if (last !== undefined && now - last < RATE_LIMIT_MS) return false;
    if (this.uploader.isOpen()) return false;
    if (breakpoint.condition !== undefined && breakpoint.conditionEval === 'sdk-evaluable') {
      // Our own small parser, never eval/Function/vm: conditions come from the server.
      const verdict = evaluateCondition(breakpoint.condition, variables ?? {});
      if (verdict.error !== undefined) {
        warnOnce(`condition:${breakpoint.id}`, `breakpoint ${breakpoint.id}: condition not understood (${verdict.error}); not capturing`);
        return false;
      }
      if (!verdict.value) return false;
    }
    return true;
  }

  private capture(breakpoint: Breakpoint, site: CallSite, label: string, variables: Record<string, unknown> | undefined, now: number): void {
    this.lastCapture.set(breakpoint.id, now);
    this.localCaptures.set(breakpoint.id, (this.localCaptures.get(breakpoint.id) ?? 0) + 1);
    const serialized = serializeVariables(variables ?? {}, {
      pii: this.pii,
      limits: {
        ...(breakpoint.maxDepth !== undefined ? { maxDepth: breakpoint.maxDepth } : {}),
        ...(breakpoint.maxPayloadBytes !== undefined ? { maxPayloadBytes: breakpoint.maxPayloadBytes } : {}),
      },
    });
    const active = activeSpan();
    const spanContext = active?.spanContext();
    const sampled = spanContext !== undefined && (spanContext.traceFlags & 1) === 1;
    const requestContext = buildRequestContext(activeRequest(), this.pii);
    const body: Record<string, unknown> = {
      breakpoint_id: breakpoint.id,
      service_name: this.options.serviceName,
      file_path: site.filePath,
      function_name: site.functionName,
      label,
      line_number: site.lineNumber,
      variables: serialized.variables,
      security_flags: serialized.securityFlags,
      stack_trace: site.stack,
      captured_at: new Date(now).toISOString(),
    };
    if (sampled) {
      body.trace_id = spanContext.traceId;
      body.span_id = spanContext.spanId;
    }
    if (requestContext !== undefined) body.request_context = requestContext;
    this.captures++;
    this.uploader.enqueue(JSON.stringify(body));
  }

  // ---- registration ----

  private register(site: CallSite, label: string): void {
    const key = `${site.functionName}\u0000${label}\u0000${site.filePath}\u0000${site.lineNumber}`;
    if (this.registered.has(key) || this.registered.size >= MAX_LABELS * 4) return;
    // Not marked as registered: the next discovery of this call site tries again.
    if (this.registrationsInFlight >= MAX_REGISTRATIONS_IN_FLIGHT) return;
    this.registered.add(key);
    this.registrationsInFlight++;
    const body = JSON.stringify({
      service_name: this.options.serviceName,
      file_path: site.filePath,
      line_number: site.lineNumber,
      function_name: site.functionName,
      label,
    });
    void requestText(new URL(`${this.options.baseUrl}/sdk/snapshots/auto-register`), {
      method: 'POST', headers: this.headers, body, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: 64 * 1024,
    }).then((response) => {
      this.registrationsInFlight--;
      if (response.status === 200 || response.status === 201) {
        debug(`registered ${site.functionName}:${label} (${path.basename(site.filePath)}:${site.lineNumber})`);
        // A new breakpoint is inactive until a poll or SSE event lists it; ask soon.
        if (!this.sseConnected) this.schedulePoll(REPOLL_AFTER_REGISTER_MS);
        return;
      }
      // Let a later call from this site try again.
      this.registered.delete(key);
      debug(`auto-register of ${label} failed: ${response.status ?? response.error?.message}`);
    });
  }

  // ---- polling ----

  private schedulePoll(delayMs: number): void {
    if (this.stopped) return;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll();
    }, delayMs);
    this.pollTimer.unref();
  }

  private nextPollDelay(): number {
    return this.killSwitch ? this.options.killSwitchPollIntervalMs : this.options.pollIntervalMs;
  }

  private queueEvent(event: object): void {
    if (this.pendingEvents.length < MAX_PENDING_EVENTS) this.pendingEvents.push(event);
  }

  async poll(): Promise<void> {
    if (this.polling !== undefined) return this.polling;
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
      this.schedulePoll(this.nextPollDelay());
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const events = this.pendingEvents.splice(0);
    // While SSE delivers changes, only pending telemetry events make a poll worth sending.
    if (this.sseConnected && events.length === 0) return;
    const response = await requestText(this.pollUrl, {
      method: events.length > 0 ? 'POST' : 'GET',
      headers: this.headers,
      body: events.length > 0 ? JSON.stringify({ events }) : undefined,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxBytes: MAX_POLL_BYTES,
    });
    if (response.status !== 200) {
      for (const event of events) this.queueEvent(event);
      this.pollProblem(response.tooLarge ? 'the answer was larger than 1 MiB'
        : describeFailure(response, { keyVariable: this.options.apiKeyVariable ?? 'TRACEKIT_API_KEY' }));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      this.pollProblem(`the answer is not JSON (${describeText(response.text)})`);
      return;
    }
    this.applyPollResponse(parsed);
  }

  private applyPollResponse(raw: unknown): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.pollProblem('the answer is not a JSON object');
      return;
    }
    const r = raw as Record<string, unknown>;
    if (r.kill_switch !== undefined && r.kill_switch !== null && typeof r.kill_switch !== 'boolean') {
      this.pollProblem('kill_switch is not a boolean');
      return;
    }
    const list = parseBreakpointList(r.breakpoints ?? []);
    if (!list.ok) {
      this.pollProblem(list.reason);
      return;
    }
    if (list.value.skipped.length > 0) this.skippedBreakpoints(list.value.skipped);
    this.replaceBreakpoints(list.value.breakpoints);
    this.setKillSwitch(r.kill_switch === true);
    if (r.sse_endpoint !== undefined && r.sse_endpoint !== null) this.considerSse(r.sse_endpoint);
  }

  private lastSkipWarning = 0;

  /** Invalid breakpoints are dropped with one warning a minute at most (their reasons name server ids). */
  private skippedBreakpoints(reasons: readonly string[]): void {
    const now = Date.now();
    if (now - this.lastSkipWarning < 60_000) return;
    this.lastSkipWarning = now;
    warn(`code monitoring: ignoring ${reasons.length} invalid breakpoint(s) from the server (${reasons[0]}${reasons.length > 1 ? ', …' : ''})`);
  }

  private pollProblem(reason: string): void {
    const now = Date.now();
    if (now - this.lastPollWarning < 60_000) return;
    this.lastPollWarning = now;
    warn(`code monitoring: breakpoint poll failed (${reason}); keeping the last good breakpoints`);
  }

  private replaceBreakpoints(breakpoints: readonly Breakpoint[]): void {
    this.store.replaceAll(breakpoints);
    // The server's capture_count now includes what we sent: start counting afresh.
    this.localCaptures.clear();
  }

  private setKillSwitch(on: boolean): void {
    if (on === this.killSwitch) return;
    this.killSwitch = on;
    if (on) {
      info('code monitoring: kill switch on; no captures until it is released');
      this.closeSse();
    } else {
      info('code monitoring: kill switch released; captures resume');
    }
    this.schedulePoll(this.nextPollDelay());
  }

  // ---- SSE ----

  private considerSse(endpoint: unknown): void {
    if (this.killSwitch || this.sse !== undefined || this.stopped) return;
    const resolved = resolveSseUrl(this.options.baseUrl, endpoint);
    if ('refused' in resolved) {
      warnOnce(`sse-refused:${String(endpoint)}`, `code monitoring: refusing sse_endpoint ${JSON.stringify(String(endpoint).slice(0, 100))} (${resolved.refused}); it must be a path on ${new URL(this.options.baseUrl).origin}, because the request carries the API key`);
      return;
    }
    if (Date.now() < this.sseRetryAt) return;
    this.sseEndpoint = resolved.url.href;
    const connection = new SseConnection(resolved.url, this.options.apiKey === undefined ? {} : { 'X-API-Key': this.options.apiKey }, {
      onOpen: () => {
        this.sseConnected = true;
        debug('code monitoring: SSE connected');
      },
      onEvent: (event, data) => this.onSseEvent(connection, event, data),
      onFailure: (reason) => this.onSseFailure(connection, reason),
    }, this.options.sseSilenceMs);
    this.sse = connection;
    connection.start();
  }

  private onSseEvent(connection: SseConnection, event: string, data: string): void {
    if (this.sse !== connection) return;
    if (event === 'heartbeat' || event === 'sdk_count') return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      this.dropSse(connection, `event ${event} is not JSON`);
      return;
    }
    const p = payload as Record<string, unknown> | null;
    const isObject = p !== null && typeof p === 'object' && !Array.isArray(p);
    switch (event) {
      case 'init': {
        const list = isObject ? parseBreakpointList(p.breakpoints ?? []) : { ok: false as const, reason: 'not an object' };
        if (!list.ok || (p!.kill_switch !== undefined && typeof p!.kill_switch !== 'boolean')) {
          this.dropSse(connection, 'malformed init event');
          return;
        }
        this.replaceBreakpoints(list.value.breakpoints);
        this.setKillSwitch(p!.kill_switch === true);
        return;
      }
      case 'breakpoint_created':
      case 'breakpoint_updated': {
        const parsed = parseBreakpoint(payload);
        if (!parsed.ok) {
          this.dropSse(connection, `malformed ${event} event (${parsed.reason})`);
          return;
        }
        this.store.upsert(parsed.value);
        this.localCaptures.delete(parsed.value.id);
        return;
      }
      case 'breakpoint_deleted': {
        const id = isObject ? (typeof p.id === 'number' ? String(p.id) : p.id) : undefined;
        if (typeof id !== 'string' || id === '') {
          this.dropSse(connection, 'malformed breakpoint_deleted event');
          return;
        }
        this.store.delete(id);
        return;
      }
      case 'kill_switch': {
        if (!isObject || typeof p.enabled !== 'boolean') {
          this.dropSse(connection, 'malformed kill_switch event');
          return;
        }
        this.setKillSwitch(p.enabled);
        return;
      }
      default:
        debug(`code monitoring: ignoring SSE event ${event}`);
    }
  }

  private dropSse(connection: SseConnection, reason: string): void {
    connection.close();
    this.onSseFailure(connection, reason);
  }

  private onSseFailure(connection: SseConnection, reason: string): void {
    if (this.sse !== connection) return;
    const wasConnected = this.sseConnected;
    this.sse = undefined;
    this.sseConnected = false;
    if (this.stopped || this.killSwitch) return;
    this.sseFailures = wasConnected ? 1 : this.sseFailures + 1;
    const backoff = Math.min(SSE_MAX_BACKOFF_MS, 1000 * 2 ** (this.sseFailures - 1));
    this.sseRetryAt = Date.now() + backoff * (0.5 + Math.random());
    warnOnce(`sse-fallback:${reason}`, `code monitoring: SSE stream lost (${reason}); polling until it reconnects`);
    // Back to polling now, so nothing that changed meanwhile is missed.
    this.schedulePoll(0);
  }

  private closeSse(): void {
    const connection = this.sse;
    this.sse = undefined;
    this.sseConnected = false;
    connection?.close();
  }
}

function describeText(text: string): string {
  const trimmed = text.trim();
  return trimmed.length === 0 ? 'empty' : `starts with ${JSON.stringify(trimmed.slice(0, 40))}`;
}
