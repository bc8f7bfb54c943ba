// Which main scripts are tools (the agent stays off) and which are apps. The integration test
// (test/reliability/guardrails.test.mjs) runs the real tools; this covers the install layouts it cannot.
// node --import tsx --test test/unit/guardrails.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toolProcess } from '../../agent/guardrails.ts';

test('package managers and CLIs in their usual install layouts', () => {
  const tools = [
    ['/usr/lib/node_modules/npm/bin/npm-cli.js', 'npm'],
    ['/usr/lib/node_modules/npm/bin/npx-cli.js', 'npm'],
    ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js', 'npm'],
    ['/usr/lib/node_modules/corepack/dist/corepack.js', 'corepack'],
    ['/usr/lib/node_modules/corepack/dist/pnpm.js', 'corepack'],
    ['/home/u/.cache/node/corepack/v1/yarn/4.1.0/yarn.js', 'yarn'],
    ['/usr/lib/node_modules/yarn/bin/yarn.js', 'yarn'],
    ['/app/.yarn/releases/yarn-4.1.0.cjs', 'yarn'],
    ['/usr/lib/node_modules/pnpm/bin/pnpm.cjs', 'pnpm'],
    ['/home/u/.local/share/pnpm/.tools/pnpm/9.8.0/node_modules/pnpm/dist/pnpm.cjs', 'pnpm'],
    ['/app/node_modules/tsx/dist/cli.mjs', 'the tsx CLI wrapper'],
    ['/app/node_modules/@tracekit/local-ui/dist/server.js', 'tracekit-local'],
    ['/usr/local/bin/tracekit-local', 'tracekit-local'],
    // What `npx tracekit-local` runs: the bin this package ships (the npm bin link resolves to it).
    ['/app/node_modules/@tracekit/agent/local-ui/bin.mjs', 'tracekit-local'],
  ];
  for (const [script, tool] of tools) assert.equal(toolProcess(script), tool, script);
});

test('apps, ts-node and the app that tsx starts are not tools', () => {
  for (const script of ['/app/server.js', '/app/src/index.ts', '/app/node_modules/ts-node/dist/bin.js', '/app/npm-stats.js',
    '/app/yarn-report.js', '/app/tsx/dist/cli-helper.mjs', undefined, '']) {
    assert.equal(toolProcess(script), undefined, String(script));
  }
});
