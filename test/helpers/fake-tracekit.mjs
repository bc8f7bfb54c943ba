// A fake TraceKit backend for the code-monitoring tests: poll, auto-register, capture and SSE, driven per test.
//
//   const backend = await startFakeTraceKit();
//   app env: TRACEKIT_ENDPOINT=backend.url, TRACEKIT_API_KEY=..., TRACEKIT_CODE_MONITORING=true
//   backend.setBreakpoints([...]); backend.pollAnswer = (req) => ({ status, body }) to misbehave
//   await backend.waitFor(() => backend.captures.length > 0)
import http from 'node:http';

export async function startFakeTraceKit() {
  const state = {
    breakpoints: [],
    killSwitch: false,
    sseEndpoint: undefined,
    nextId: 1,
  };
  const polls = [];
  const registrations = [];
  const captures = [];
  const sseRequests = [];
  const sseClients = new Set();
  const otherRequests = [];

  const backend = {
    url: undefined,
    polls,
    registrations,
    captures,
    sseRequests,
    otherRequests,
    /**
     * Override the poll answer: (request, res) => ({ status, headers?, body: string|Buffer }), undefined for the
     * default, or null when the override writes to `res` itself (a trickle, a body that never ends).
     */
    pollAnswer: undefined,
    /**
     * Override the capture answer status: (request) => number, or 'reset' to destroy the connection without an
     * answer (a network error for the agent).
     */
    captureStatus: undefined,
    /** Answer captures this long after they arrived (a slow backend); each record gets `answeredAt`. */
    captureDelayMs: 0,
    /** When true, a capture increments its breakpoint's capture_count, as the real backend does. */
    countCaptures: false,
    /** Override how SSE requests are answered: (req, res) => boolean (true = handled). */
    sseAnswer: undefined,
    /** When true, new auto-registrations become enabled breakpoints immediately (listed by the next poll). */
    activateOnRegister: false,
    setBreakpoints(list) {
      state.breakpoints = list;
    },
    get breakpoints() {
      return state.breakpoints;
    },
    setKillSwitch(on) {
      state.killSwitch = on;
    },
    setSseEndpoint(path) {
      state.sseEndpoint = path;
    },
    /** Sends one SSE event to every connected stream (data is JSON-encoded unless a string is given). */
    sendEvent(event, data) {
      const payload = typeof data === 'string' ? data : JSON.stringify(data);
      const frame = `event: ${event}\n${payload.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`;
      for (const res of sseClients) res.write(frame);
    },
    /** Writes raw bytes to every SSE stream. */
    sendRaw(text) {
      for (const res of sseClients) res.write(text);
    },
    dropSse() {
      for (const res of sseClients) res.destroy();
      sseClients.clear();
    },
    get sseConnections() {
      return sseClients.size;
    },
    breakpoint(overrides = {}) {
      return {
        id: `bp-${state.nextId++}`,
        service_name: 'monitored',
        enabled: true,
        max_captures: 100,
        capture_count: 0,
        expire_at: null,
        condition: null,
        ...overrides,
      };
    },
    async waitFor(predicate, timeoutMs = 5000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) {
          throw new Error(`fake TraceKit: timed out waiting for ${what}\npolls: ${polls.length}, registrations: ${JSON.stringify(registrations)}, captures: ${captures.length}, sse: ${sseRequests.length}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      backend.dropSse();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      const record = { method: req.method, url: req.url, headers: req.headers, body, at: Date.now() };
      const url = new URL(req.url, 'http://x');

      if (url.pathname.startsWith('/sdk/snapshots/active/')) {
        record.service = decodeURIComponent(url.pathname.slice('/sdk/snapshots/active/'.length));
        polls.push(record);
        const custom = backend.pollAnswer?.(record, res);
        // null: the override answered (or deliberately never answers) through `res` itself.
        if (custom === null) return;
        if (custom !== undefined) {
          res.writeHead(custom.status ?? 200, custom.headers ?? { 'content-type': 'application/json' });
          res.end(custom.body);
          return;
        }
        const answer = { breakpoints: state.breakpoints, kill_switch: state.killSwitch };
        if (state.sseEndpoint !== undefined) answer.sse_endpoint = state.sseEndpoint;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        return;
      }
      if (url.pathname === '/sdk/snapshots/auto-register') {
        registrations.push(record);
        const id = `bp-${state.nextId++}`;
        if (backend.activateOnRegister && body && typeof body === 'object') {
          state.breakpoints = [...state.breakpoints, { id, ...body, enabled: true, max_captures: 100, capture_count: 0, expire_at: null, condition: null }];
        }
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
        return;
      }
      if (url.pathname === '/sdk/snapshots/capture') {
        captures.push(record);
        const status = backend.captureStatus?.(record) ?? 201;
        if (status === 'reset') {
          res.socket?.destroy();
          return;
        }
        if (backend.countCaptures && status >= 200 && status < 300 && body && typeof body === 'object') {
          state.breakpoints = state.breakpoints.map((bp) => (bp.id === body.breakpoint_id ? { ...bp, capture_count: (bp.capture_count ?? 0) + 1 } : bp));
        }
        const answer = () => {
          record.answeredAt = Date.now();
          res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
        };
        if (backend.captureDelayMs > 0) setTimeout(answer, backend.captureDelayMs).unref();
        else answer();
        return;
      }
      if (state.sseEndpoint !== undefined && url.pathname === state.sseEndpoint.split('?')[0]) {
        sseRequests.push(record);
        if (backend.sseAnswer?.(req, res)) return;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': connected\n\n');
        sseClients.add(res);
        res.on('close', () => sseClients.delete(res));
        return;
      }
      otherRequests.push(record);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.url = `http://127.0.0.1:${server.address().port}`;
  return backend;
}
