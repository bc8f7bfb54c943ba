// What the agent keeps alive after a request is over, on idle keep-alive connections: Node arms each connection's
// keep-alive timeout inside the request's context, the agent's own batch timer and export sockets are made while
// some request is active, and a timer or socket keeps the context it was created in. Checked with weak references
// in the app and forced garbage collections, with and without the agent.
// - Requests: none may outlive its response because of the agent (no more than without it).
// - Spans: with AsyncContextFrame (Node 24 and later) none outlives its request. Where AsyncLocalStorage is built
//   on async hooks (Node 20, 22), the connection's own async resource holds the context its last request entered
//   until the next request replaces it: at most one ended span per idle connection, whatever the request count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { matrixSupported, nodeBinary } from '../../scripts/install-node-versions.mjs';

const FIXTURE = 'test/fixtures/retention/server.cjs';
const CONNECTIONS = 4;
const REQUESTS = 32;
const nodes = [process.execPath];
if (matrixSupported && !process.version.startsWith('v24.')) nodes.push(nodeBinary(24));

function getOver(agent, url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

/** Serves REQUESTS requests over CONNECTIONS keep-alive connections, leaves them idle, and asks what is alive. */
async function aliveAfterRequests(t, node, env, nodeArgs, receiver, max = 0) {
  const app = await startApp(FIXTURE, { env, nodeArgs, node });
  t.after(() => stopApp(app));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  t.after(() => agent.destroy());
  const statuses = await Promise.all(Array.from({ length: REQUESTS }, () => getOver(agent, `${app.url}/work`)));
  assert.deepEqual(statuses, Array(REQUESTS).fill(200));
  if (receiver !== undefined) await receiver.waitForSpans({ where: (s) => s.attributes['url.path'] === '/work', count: REQUESTS });
  return JSON.parse((await request(`${app.url}/check?max=${max}`)).body);
}

for (const node of nodes) {
  const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const contextFrames = Number(version.split('.')[0]) >= 24;
  test(`Node ${version}: idle keep-alive connections keep no request, and ${contextFrames ? 'no' : 'at most their last'} span, alive`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const traced = await aliveAfterRequests(t, node, agentEnv(receiver), ['--expose-gc', '--import', './register.mjs'], receiver, contextFrames ? 0 : CONNECTIONS);
    const plain = await aliveAfterRequests(t, node, cleanEnv(), ['--expose-gc']);
    assert.equal(traced.tracked, REQUESTS, 'every request had an active span');
    assert.ok(traced.requestsAlive <= plain.requestsAlive, `requests alive: ${traced.requestsAlive} with the agent, ${plain.requestsAlive} without`);
    if (contextFrames) assert.equal(traced.alive, 0, `${traced.alive} ended spans are still reachable`);
    else assert.ok(traced.alive <= CONNECTIONS, `${traced.alive} ended spans are reachable from ${CONNECTIONS} idle connections`);
  });
}
