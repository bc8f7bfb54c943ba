// NODE_OPTIONS=--import @tracekit/agent/register reaches every Node process: the agent stays off in package
// managers, the tsx CLI's wrapper and tracekit-local (saying why under TRACEKIT_DEBUG), still traces the app that
// tsx starts, and TRACEKIT_FORCE=true turns it on anyway. The tools run for real (yarn and pnpm from the test cache).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startReceiver } from '../helpers/receiver.mjs';
import { ROOT, cleanEnv } from '../helpers/app.mjs';
import { toolEntry } from '../../scripts/install-cli-tools.mjs';

const NODE_LIB = path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules');
const BANNER = /@tracekit\/agent \S+ on Node\.js/g;

const TOOLS = [
  ['npm', path.join(NODE_LIB, 'npm/bin/npm-cli.js'), ['--version']],
  ['npm', path.join(NODE_LIB, 'npm/bin/npx-cli.js'), ['--version']],
  ['corepack', path.join(NODE_LIB, 'corepack/dist/corepack.js'), ['--version']],
  ['yarn', toolEntry('yarn'), ['--version']],
  ['pnpm', toolEntry('pnpm'), ['--version']],
  ['tracekit-local', path.join(ROOT, 'test/fixtures/reliability/tracekit-local.mjs'), []],
];

function run(args, env, cwd = os.tmpdir()) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function agentEnv(receiver, extra = {}) {
  return cleanEnv({
    NODE_OPTIONS: `--import ${path.join(ROOT, 'register.mjs')}`,
    TRACEKIT_DEBUG: 'true',
    TRACEKIT_ENDPOINT: receiver.url,
    TRACEKIT_API_KEY: 'ctxio_guardrail_key_0123456789',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  });
}

describe('package managers and CLIs', { concurrency: true }, () => {
  for (const [tool, entry, args] of TOOLS) {
    test(`${path.basename(entry)} (${tool}): the agent stays off and says why; TRACEKIT_FORCE=true turns it on`, async (t) => {
      const receiver = await startReceiver();
      t.after(() => receiver.close());
      const without = await run([entry, ...args], cleanEnv());
      const off = await run([entry, ...args], agentEnv(receiver));
      assert.equal(off.code, without.code, off.stderr);
      assert.equal(off.stdout, without.stdout, 'the tool prints the same');
      assert.equal((off.stderr.match(BANNER) ?? []).length, 0, off.stderr);
      assert.match(off.stderr, new RegExp(`this process is ${tool} \\(.*\\), not an app: the agent stays off here; TRACEKIT_FORCE=true traces it anyway`));
      assert.equal(off.stderr.split('\n').filter((l) => l.startsWith('[tracekit]')).length, 1, off.stderr);

      const forced = await run([entry, ...args], agentEnv(receiver, { TRACEKIT_FORCE: 'true' }));
      assert.equal(forced.code, without.code, forced.stderr);
      assert.equal((forced.stderr.match(BANNER) ?? []).length, 1, forced.stderr);
    });
  }

  test('the tsx CLI: its wrapper stays off, the app it starts is traced (one banner, the span arrives)', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const cli = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
    const result = await run([cli, 'test/fixtures/reliability/tsx-script.ts'], agentEnv(receiver), ROOT);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SCRIPT DONE/);
    assert.equal((result.stderr.match(BANNER) ?? []).length, 1, result.stderr);
    assert.match(result.stderr, /this process is the tsx CLI wrapper/);
    await receiver.waitForSpans((s) => s.name === 'tsx-script-span');
  });

  test('without TRACEKIT_DEBUG a tool prints nothing at all from the agent', async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const result = await run([path.join(NODE_LIB, 'npm/bin/npm-cli.js'), '--version'], agentEnv(receiver, { TRACEKIT_DEBUG: 'false', TRACEKIT_SAMPLE_RATE: 'bad' }));
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.equal(receiver.requests.length, 0);
  });
});
