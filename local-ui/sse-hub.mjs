// Server-sent events for agents: one stream per service at /sdk/snapshots/stream/:service. It starts with
// `init` (all breakpoints and the kill switch) and then pushes each change, so an enabled breakpoint reaches
// the agent at once instead of at its next 30 s poll. Heartbeats keep proxies and idle timers from closing it.

const HEARTBEAT_MS = 15_000;
const SSE_EVENTS = new Set(['breakpoint_created', 'breakpoint_updated', 'breakpoint_deleted', 'kill_switch']);

export function ssePath(service) {
  return `/sdk/snapshots/stream/${encodeURIComponent(service)}`;
}

export class SseHub {
  constructor(snapshots) {
    this.snapshots = snapshots;
    /** @type {Map<string, Set<import('node:http').ServerResponse>>} */
    this.streams = new Map();
    this.heartbeat = setInterval(() => this.sendAll('heartbeat', { time: new Date().toISOString() }), HEARTBEAT_MS).unref();
  }

  open(service, req, res) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    req.socket.setTimeout(0);
    let set = this.streams.get(service);
    if (set === undefined) this.streams.set(service, (set = new Set()));
    set.add(res);
    const forget = () => {
      set.delete(res);
      if (set.size === 0 && this.streams.get(service) === set) this.streams.delete(service);
    };
    res.on('close', forget);
    res.on('error', forget);
    write(res, 'init', { breakpoints: this.snapshots.forService(service), kill_switch: this.snapshots.killSwitch(service) });
    write(res, 'sdk_count', { count: set.size });
  }

  /** Called for every snapshot-store change; forwards the ones agents care about. */
  publish(service, event, data) {
    if (!SSE_EVENTS.has(event)) return;
    for (const res of this.streams.get(service) ?? []) write(res, event, data);
  }

  sendAll(event, data) {
    for (const set of this.streams.values()) for (const res of set) write(res, event, data);
  }

  count() {
    let total = 0;
    for (const set of this.streams.values()) total += set.size;
    return total;
  }

  close() {
    clearInterval(this.heartbeat);
    for (const set of this.streams.values()) for (const res of set) res.end();
    this.streams.clear();
  }
}

function write(res, event, data) {
  if (res.destroyed || res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
