// Spawns a fixture the way a user runs an app: `node --import ./register.mjs <fixture>`, with the agent pointed at
// a test receiver. Waits for the fixture's `LISTENING <port>` line and keeps its output for assertions.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Env for a child: the parent's PATH etc., minus every TRACEKIT_/OTEL_/ENV/NODE_ENV variable the CI might carry. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TRACEKIT_|OTEL_)/.test(key) || key === 'ENV' || key === 'NODE_ENV' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Agent settings for a receiver, exporting fast so tests do not wait a second per batch. */
export function agentEnv(receiver, extra = {}) {
  return cleanEnv({
    TRACEKIT_ENDPOINT: receiver.url,
    TRACEKIT_API_KEY: 'ctxio_test_key_0123456789',
    TRACEKIT_SERVICE_NAME: 'fixture',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  });
}

/**
 * Starts `node [nodeArgs] <fixture> [args]` (fixture path relative to the repo root) and resolves once it printed
 * `LISTENING <port>`, or rejects with its output if it exits first. `preload: false` runs it without the agent.
 */
export async function startApp(fixture, { env = cleanEnv(), args = [], nodeArgs, preload = true, node = process.execPath, cwd = ROOT, waitForPort = true } = {}) {
  const execArgs = nodeArgs ?? (preload ? ['--import', './register.mjs'] : []);
  const child = spawn(node, [...execArgs, fixture, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = {
    child,
    stdout: '',
    stderr: '',
    port: undefined,
    url: undefined,
    exited: undefined,
    /** Resolves with { code, signal } when the process ends. */
    exit: undefined,
  };
  app.exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      app.exited = { code, signal };
      resolve(app.exited);
    });
  });
  // Registered now: a stream that already closed would never emit 'close' for a later listener.
  app.outputDone = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]).catch(() => {});
  child.stdout.on('data', (data) => { app.stdout += data; });
  child.stderr.on('data', (data) => { app.stderr += data; });
  if (!waitForPort) return app;
  await new Promise((resolve, reject) => {
    const onData = () => {
      const match = /LISTENING (\d+)/.exec(app.stdout);
      if (match) {
        child.stdout.off('data', onData);
        app.port = Number(match[1]);
        app.url = `http://127.0.0.1:${app.port}`;
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`${fixture} exited (${code ?? signal}) before listening\nstdout: ${app.stdout}\nstderr: ${app.stderr}`)));
    setTimeout(() => reject(new Error(`${fixture} did not listen within 15 s\nstdout: ${app.stdout}\nstderr: ${app.stderr}`)), 15_000).unref();
  });
  return app;
}

/** Ends the app with a signal and waits for it (killing it hard after `timeoutMs`). */
export async function stopApp(app, signal = 'SIGTERM', timeoutMs = 10_000) {
  if (app.exited) return app.exited;
  app.child.kill(signal);
  const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMs);
  const result = await app.exit;
  clearTimeout(timer);
  return result;
}

/** Runs a fixture to completion (for scripts that exit by themselves) and returns { code, signal, stdout, stderr, ms }. */
export async function runScript(fixture, options = {}) {
  const started = Date.now();
  const app = await startApp(fixture, { ...options, waitForPort: false });
  const timer = setTimeout(() => app.child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const { code, signal } = await app.exit;
  clearTimeout(timer);
  await app.outputDone;
  return { code, signal, stdout: app.stdout, stderr: app.stderr, ms: Date.now() - started };
}

/** A plain request that returns { status, headers, body } and never throws on HTTP errors. */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
