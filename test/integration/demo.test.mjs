// The README's first command, `npm run demo`, as a new user runs it: within a minute the Local UI holds a
// two-service trace, the service-map edge, the deliberate error, a snapshot and the metrics, and the terminal
// tells a short story without the error's stack in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanEnv, runScript } from '../helpers/app.mjs';

test('npm run demo: everything is in the Local UI, the terminal stays calm', async () => {
  const result = await runScript('examples/demo/run.mjs', {
    preload: false,
    args: ['--port', '0', '--exit-when-ready'],
    env: cleanEnv(),
    timeoutMs: 90_000,
  });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^Local UI +http:\/\/localhost:\d+$/m);
  assert.match(result.stdout, /^ready +a two-service trace/m);
  assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /, 'no stack trace in the terminal');
  assert.ok(result.stdout.split('\n').length <= 10, result.stdout);
});
