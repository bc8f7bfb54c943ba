// A row of the instrumentation table for an ESM-only package (test/fixtures/esm-only): the table drives
// import-in-the-middle too. On every Node line the row patches the package an ESM app imports, through
// module.register (20) or module.registerHooks (22.15+); a version outside the row's range is skipped with one
// warning; and without such a row the loader hooks are not registered at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { MAJORS, matrixSupported, nodeBinary } from '../../scripts/install-node-versions.mjs';
import { cleanEnv, runScript } from '../helpers/app.mjs';

const APP = 'test/fixtures/esm-only/app.mjs';
const ROW = ['--import', './test/fixtures/esm-only/row.mjs', '--import', './register.mjs'];
const nodes = [['20 (machine)', process.execPath], ...(matrixSupported ? MAJORS.map((m) => [String(m), nodeBinary(m)]) : [])];

for (const [label, node] of nodes) {
  test(`Node ${label}: an ESM-only package is patched by its table row`, async () => {
    assert.ok(existsSync(node), `missing ${node}`);
    const result = await runScript(APP, { node, nodeArgs: ROW, env: cleanEnv({ TRACEKIT_DEBUG: 'true' }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^APP hello ada \(instrumented\)$/m);
    const mechanism = Number(label.slice(0, 2)) >= 22 ? 'module.registerHooks' : 'module.register';
    assert.match(result.stderr, new RegExp(`ESM loader hooks: ${mechanism.replace('.', '\\.')} \\(esm-greeter\\)`));
    assert.doesNotMatch(result.stderr, /warning|deprecat/i, result.stderr);
  });
}

test('a version outside the row\'s range: not patched, one warning naming package, version and range', async () => {
  const result = await runScript(APP, { nodeArgs: ROW, env: cleanEnv({ GREETER_RANGE: '>=2' }) });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^APP hello ada$/m);
  const warnings = result.stderr.split('\n').filter((line) => /warning/.test(line));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0], /esm-greeter 1\.2\.0 is outside the versions the esm-greeter instrumentation supports \(>=2\)/);
});

test('without a row that needs them, the ESM loader hooks are not registered', async () => {
  const result = await runScript(APP, { env: cleanEnv({ TRACEKIT_DEBUG: 'true' }) });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^APP hello ada$/m);
  assert.match(result.stderr, /ESM loader hooks: not needed/);
});
