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
 * Runs `node [args]` to completion under callgrind (every thread counted, the JIT's code included) and resolves
 * with { instructions, stdout }. Rejects when it exits with an error.
 */
export function instructionsOf(node, args, { env, cwd }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tk-callgrind-'));
  const outFile = path.join(dir, 'callgrind.out');
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file', node, ...args],
      { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    child.on('exit', (code) => {
      const totals = code === 0 ? /^(?:summary|totals): (\d+)/m.exec(readFileSync(outFile, 'utf8')) : null;
      rmSync(dir, { recursive: true, force: true });
      if (totals === null) reject(new Error(`${args.join(' ')} under callgrind exited ${code}:\n${stderr}`));
      else resolve({ instructions: Number(totals[1]), stdout });
    });
  });
}
