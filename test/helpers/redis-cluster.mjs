// A real three-node Redis Cluster for the ioredis Cluster tests: three redis-server processes from Debian's package
// (test/helpers/db-servers.mjs's rules: loopback, random ports, throwaway directories), each owning a third of the
// hash slots, joined with CLUSTER MEET. Resolves once every node reports cluster_state:ok, with
// { ports, stop() }; a cluster that cannot form rejects with the reason, so the test fails.
import net from 'node:net';
import path from 'node:path';
import { redisServerBinary } from '../../scripts/ensure-test-services.mjs';
import { freePort, makeTempDir, startServer, tcpProbe } from './server-process.mjs';

const HOST = '127.0.0.1';
const SLOTS = [[0, 5460], [5461, 10922], [10923, 16383]];

/** Sends one inline command and resolves with the raw reply text. */
function command(port, line) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`redis ${port}: no reply to ${line}`)));
    socket.on('data', (chunk) => {
      reply += chunk;
      // Inline replies end with CRLF; bulk replies ($n) are complete once n bytes and CRLF arrived.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (bulk === null ? reply.endsWith('\r\n') : reply.length >= bulk[0].length + Number(bulk[1]) + 2) socket.end();
    });
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    socket.write(`${line}\r\n`);
  });
}

export async function startRedisCluster() {
  const binary = redisServerBinary();
  if (!binary) throw new Error('Redis is not installed (no redis-server); run `node scripts/ensure-test-services.mjs` as root');
  const nodes = [];
  const stop = () => Promise.all(nodes.map((node) => node.stop()));
  try {
    for (let i = 0; i < SLOTS.length; i++) {
      const port = await freePort();
      const dir = makeTempDir(`redis-cluster-${i}`);
      const server = await startServer('Redis Cluster node', binary, ['--port', String(port), '--bind', HOST, '--save', '',
        '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no', '--cluster-enabled', 'yes',
        '--cluster-config-file', path.join(dir, 'nodes.conf')],
      { dir, probe: () => tcpProbe(port, 'PING\r\n', (bytes) => (bytes.length < 5 ? undefined : bytes.toString('latin1', 0, 5) === '+PONG')) });
      nodes.push({ port, stop: server.stop });
    }
    for (const [i, node] of nodes.entries()) {
      const reply = await command(node.port, `CLUSTER ADDSLOTSRANGE ${SLOTS[i][0]} ${SLOTS[i][1]}`);
      if (!reply.startsWith('+OK')) throw new Error(`CLUSTER ADDSLOTSRANGE on ${node.port}: ${reply.trim()}`);
    }
    for (const node of nodes.slice(1)) await command(nodes[0].port, `CLUSTER MEET ${HOST} ${node.port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(nodes.map((node) => command(node.port, 'CLUSTER INFO')));
      if (states.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3'))) break;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster did not form within 30 s:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { ports: nodes.map((node) => node.port), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
