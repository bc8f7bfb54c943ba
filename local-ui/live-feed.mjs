// The page's live feed on WebSocket /ws. Trace changes are coalesced for 100 ms, so a burst of batches becomes
// one message per trace rather than one per batch; a client that stops reading is dropped instead of growing
// the server's memory.
import { WebSocketServer } from 'ws';

const FLUSH_MS = 100;
const MAX_BUFFERED = 8 * 1024 * 1024;
const PING_MS = 30_000;

export class LiveFeed {
  constructor({ version, stats }) {
    this.version = version;
    this.stats = stats;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    this.pending = new Map();
    this.pendingNotices = new Map();
    this.timer = undefined;
    this.wss.on('connection', (socket) => this.onConnection(socket));
    this.pinger = setInterval(() => this.pingAll(), PING_MS).unref();
  }

  /** Accepts an upgrade on /ws from the page's own origin (or a non-browser client that sends no Origin). */
  handleUpgrade(req, socket, head) {
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  onConnection(socket) {
    socket.alive = true;
    socket.on('pong', () => (socket.alive = true));
    socket.on('error', () => socket.terminate());
    // Messages from the page are not expected; they are ignored.
    this.sendTo(socket, { type: 'connected', data: { version: this.version, stats: this.stats() } });
  }

  /** Queues a trace summary as new_trace or trace_updated; new_trace wins within one flush window. */
  traceChanged(type, summary) {
    const previous = this.pending.get(summary.traceId);
    const finalType = previous?.type === 'new_trace' ? 'new_trace' : type;
    this.pending.set(summary.traceId, { type: finalType, summary });
    this.schedule();
  }

  /** Queues a notice (metrics_updated, logs_added): one per type per flush window, the latest data kept. */
  broadcastSoon(type, data) {
    this.pendingNotices.set(type, data);
    this.schedule();
  }

  traceEvicted(traceId) {
    this.pending.delete(traceId);
  }

  /** Sends at once (for rare events: traces_cleared, breakpoint and snapshot changes). */
  broadcast(message) {
    this.flush();
    const text = JSON.stringify(message);
    for (const socket of this.wss.clients) this.sendText(socket, text);
  }

  schedule() {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  flush() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 && this.pendingNotices.size === 0) return;
    const messages = [...this.pending.values()].map(({ type, summary }) => JSON.stringify({ type, data: summary }));
    for (const [type, data] of this.pendingNotices) messages.push(JSON.stringify({ type, data }));
    this.pending.clear();
    this.pendingNotices.clear();
    for (const socket of this.wss.clients) for (const text of messages) this.sendText(socket, text);
  }

  sendTo(socket, message) {
    this.sendText(socket, JSON.stringify(message));
  }

  sendText(socket, text) {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED) {
      socket.terminate();
      return;
    }
    socket.send(text);
  }

  pingAll() {
    for (const socket of this.wss.clients) {
      if (!socket.alive) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }

  close() {
    clearInterval(this.pinger);
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
  }
}

function sameHost(origin, host) {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
