// Fastify 5 fixture (ESM), with nested prefixed plugins.
import Fastify from 'fastify';
const fastify = Fastify({ logger: false });
import { Readable } from 'node:stream';

fastify.get('/users/:id', async function getUser(request) { return { id: request.params.id, name: 'Ada' }; });
fastify.register(async (api) => {
  api.register(async (v1) => {
    v1.get('/items/:itemId', async function getItem(request) { return { item: request.params.itemId }; });
  }, { prefix: '/v1' });
}, { prefix: '/api' });
// An auth hook that answers 401 before the handler runs.
fastify.register(async (secure) => {
  secure.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== 'Bearer ok') return reply.code(401).send({ error: 'unauthorized' });
  });
  secure.get('/accounts/:accountId', async function getAccount(request) { return { account: request.params.accountId }; });
}, { prefix: '/secure' });
fastify.get('/error-sync', () => { throw new Error('boom sync'); });
fastify.get('/error-async', async () => {
  await new Promise((r) => setTimeout(r, 5));
  throw new Error('boom async');
});
fastify.get('/reply-error', (request, reply) => { reply.send(new TypeError('sent as error')); });
fastify.get('/stream', (request, reply) => { reply.send(Readable.from(['chunk 0\n', 'chunk 1\n', 'chunk 2\n'])); });
fastify.get('/redirect', (request, reply) => { reply.redirect('/users/1'); });
fastify.get('/slow', async () => { await new Promise((r) => setTimeout(r, 1500)); return 'late'; });
fastify.get('/health', async () => 'ok');
fastify.route({ method: 'GET', url: '/anonymous', handler: async () => 'no name' });
fastify.get('/fetch-upstream', async (request, reply) => {
  const upstream = await fetch(`http://127.0.0.1:${request.query.port}/check`);
  reply.code(upstream.status);
  return upstream.text();
});

fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log(`LISTENING ${fastify.server.address().port}`));
