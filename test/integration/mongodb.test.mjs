// mongodb 6 and 7: supported through OpenTelemetry's instrumentation, NOT tested against a server (MongoDB has no
// Debian package and no server binary can be downloaded here; a mock server would prove nothing). What is
// tested: the row activates when the driver loads and patches the driver's connection without a warning, turning
// it off leaves the driver untouched, and a failing command inside a span fails for the app exactly as without
// the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, runScript } from '../helpers/app.mjs';

const PROBE = 'test/fixtures/databases/mongodb-probe.cjs';

for (const workspace of ['mongodb6', 'mongodb7']) {
  test(`${workspace}: patched when loaded, untouched when off, same error for the app`, async () => {
    const receiver = await startReceiver();
    try {
      const run = async (env, preload) => {
        const result = await runScript(PROBE, { args: [workspace], env, preload });
        assert.equal(result.code, 0, result.stderr);
        return { ...JSON.parse(result.stdout.trim().split('\n').pop()), stderr: result.stderr };
      };
      const plain = await run(cleanEnv(), false);
      const traced = await run(agentEnv(receiver), true);
      const off = await run(agentEnv(receiver, { TRACEKIT_DISABLED_INSTRUMENTATIONS: 'mongodb' }), true);
      assert.match(traced.version, workspace === 'mongodb6' ? /^6\./ : /^7\./);
      assert.equal(plain.wrapped, false);
      assert.equal(traced.wrapped, true, 'the connection is patched');
      assert.equal(off.wrapped, false, 'a row turned off patches nothing');
      assert.equal(traced.stderr, '', 'no warning');
      assert.equal(plain.error.name, 'MongoServerSelectionError');
      assert.deepEqual(traced.error, plain.error);
    } finally {
      await receiver.close();
    }
  });
}
