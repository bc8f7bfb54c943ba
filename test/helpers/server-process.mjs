// The parts every test database server shares: a free loopback port, a throwaway directory, a child process whose
// output tail goes into the error when it fails, readiness by polling a probe, and a stop that always cleans up,
// even when a test throws or the test process exits without calling stop().
import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const TAIL_CHARS = 2000;
const DIR_PREFIX = 'tracekit-db-';
const OWNER_FILE = '.owner-pid';
const SERVER_FILE = '.server-pid';
const live = new Set();

// Last resort when a test file ends without stopping its servers: kill them and remove their directories.
process.on('exit', () => {
  for (const server of live) {
    try { server.child.kill('SIGKILL'); } catch { /* already gone */ }
    rmSync(server.dir, { recursive: true, force: true });
  }
});

const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (error) { return error.code === 'EPERM'; }
};
const readPid = (file) => { try { return Number(readFileSync(file, 'utf8')) || undefined; } catch { return undefined; } };

/**
 * Whether `pid` is still our server for `dir`: its command line names the directory (postgres, mariadbd) or its
 * working directory is inside it (redis-server rewrites its command line to "redis-server host:port").
 */
function runsIn(pid, dir) {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return true;
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  } catch {
    return false; // gone, or not Linux
  }
}

/**
 * A test process killed by a signal runs no exit handler, so its servers and directories stay behind. The next
 * test process that loads this file removes them: a directory whose owner is gone loses its server (only if that
 * pid still runs in the directory, so a reused pid is never hit) and is deleted.
 */
function sweepLeftovers() {
  let names;
  try { names = readdirSync(os.tmpdir()); } catch { return; }
  for (const name of names) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = readPid(path.join(dir, OWNER_FILE));
    if (owner === undefined || alive(owner)) continue;
    const server = readPid(path.join(dir, SERVER_FILE));
    if (server !== undefined && runsIn(server, dir)) {
      try { process.kill(server, 'SIGKILL'); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
sweepLeftovers();

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

/**
 * A fresh directory under the OS temp dir, owned by `account` when given (servers that refuse to run as root),
 * marked with this process's pid so that a later run can clean up after a killed one.
 */
export function makeTempDir(prefix, account) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${prefix}-`));
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
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
  if (child.pid !== undefined) writeFileSync(path.join(dir, SERVER_FILE), String(child.pid));

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
