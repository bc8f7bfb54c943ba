// Counting CPU instructions with valgrind's callgrind, for benchmarks on a machine whose timings move by ±20 %
// from one run to the next (other tenants, steal): an instruction count does not move with them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function requireValgrind(script) {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error(`${script} needs valgrind (apt-get install valgrind)`);
    process.exit(1);
  }
}

/**
 * Runs `node [args]` under callgrind (every thread counted, the JIT's code included) and resolves with
 * { instructions, stdout } once it exits. `whileRunning(child, output)`, when given, drives a process that does
 * not exit by itself (a server): it is awaited, then the process gets SIGINT (not SIGTERM: OpenTelemetry's
 * register keeps the process alive on SIGTERM, and a SIGKILL would leave callgrind no time to write its counts).
 * `output()` returns what the process printed so far. Rejects when no counts were written.
 */
export function instructionsOf(node, args, { env, cwd, whileRunning }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tk-callgrind-'));
  const outFile = path.join(dir, 'callgrind.out');
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file', node, ...args],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const driven = whileRunning === undefined ? Promise.resolve()
    : Promise.race([whileRunning(child, () => stdout), exited.then(() => { throw new Error(`${args.join(' ')} exited early:\n${stderr}`); })])
      .finally(() => child.kill('SIGINT'));
  return driven.then(() => exited).then(({ code, signal }) => {
    let totals = null;
    try {
      totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(outFile, 'utf8'));
    } catch { /* no file: reported below */ }
    rmSync(dir, { recursive: true, force: true });
    if (totals === null) throw new Error(`${args.join(' ')} under callgrind ended (${code ?? signal}) without counts:\n${stderr}`);
    return { instructions: Number(totals[1]), stdout };
  });
}
