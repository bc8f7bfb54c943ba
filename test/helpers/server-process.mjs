// The parts every test database server shares: a free loopback port, a throwaway directory, a child process whose
// output tail goes into the error when it fails, readiness by polling a probe, and a stop that always cleans up,
// even when a test throws or the test process exits without calling stop().
import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const TAIL_CHARS = 2000;
const live = new Set();

// Last resort when a test file ends without stopping its servers: kill them and remove their directories, so no
// server outlives the test process (a SIGKILLed test process cannot run this; its servers then die with the machine).
process.on('exit', () => {
  for (const server of live) {
    try { server.child.kill('SIGKILL'); } catch { /* already gone */ }
    rmSync(server.dir, { recursive: true, force: true });
  }
});

/** A port that was free on 127.0.0.1 a moment ago (the caller retries when a server still loses the race). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** uid/gid of a system account (e.g. `postgres`), read from /etc/passwd; undefined when it does not exist. */
export function systemAccount(name) {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** A fresh directory under the OS temp dir, owned by `account` when given (servers that refuse to run as root). */
export function makeTempDir(prefix, account) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tracekit-${prefix}-`));
  if (account) chownSync(dir, account.uid, account.gid);
  return dir;
}

const tail = (text) => (text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text);

/**
 * Runs a command to completion (initdb, install-db, psql). Rejects with its exit status and output tail.
 */
export function runToEnd(name, file, args, { account, env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], ...account });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', (error) => reject(new Error(`${name}: cannot run ${file}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${name}: ${path.basename(file)} failed (${signal ?? `exit ${code}`}):\n${tail(output)}`));
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * Starts a long-running server process and resolves once `probe()` resolves true, polling every 50 ms. Rejects with
 * the output tail when the process exits first or is still not ready after `timeoutMs`.
 * Resolves with { stop, output() }: stop() sends `stopSignal`, waits for the exit (SIGKILL after 10 s) and removes
 * `dir`. stop() is idempotent. On a failed start the process is killed but `dir` is left to the caller.
 */
export async function startServer(name, file, args, { dir, account, cwd, probe, stopSignal = 'SIGTERM', timeoutMs = 60_000 }) {
  const child = spawn(file, args, { cwd: cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'], ...account });
  let output = '';
  const collect = (chunk) => { output = tail(output + chunk); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.on('error', (error) => { exitInfo = `cannot run ${file}: ${error.message}`; resolve(); });
    child.on('exit', (code, signal) => { exitInfo ??= signal ?? `exit ${code}`; resolve(); });
  });
  const entry = { child, dir };
  live.add(entry);

  const kill = async (signal) => {
    if (exitInfo === undefined) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(entry);
  };
  let stopping;
  const stop = () => {
    stopping ??= kill(stopSignal).then(() => rmSync(dir, { recursive: true, force: true }));
    return stopping;
  };

  // On a failed start the directory stays: the caller may retry on another port with the same data, and removes
  // it when it gives up.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitInfo !== undefined) {
      await kill('SIGKILL');
      throw new Error(`${name} did not start (${exitInfo}): ${file} ${args.join(' ')}\n${output}`);
    }
    if (await probe().catch(() => false)) break;
    if (Date.now() > deadline) {
      await kill('SIGKILL');
      throw new Error(`${name} was not ready after ${timeoutMs} ms: ${file} ${args.join(' ')}\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { stop, output: () => output };
}

/**
 * Opens a TCP connection, optionally writes `request`, and resolves with `accept(bytes)` for the first bytes the
 * server sends (false on error, close or 2 s silence). Readiness probes speak just enough of each protocol.
 */
export function tcpProbe(port, request, accept) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const done = (result) => { socket.destroy(); resolve(result); };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => { if (request) socket.write(request); });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = accept(received);
      if (verdict !== undefined) done(verdict);
    });
  });
}
