'use strict';
// Hello-world NestJS 11 server on @nestjs/platform-express for the benchmarks: GET /users/:id -> {"id","name"}.
// The decorators are applied by hand (what TypeScript's compiled output does), so no compile step is needed.
// PORT from env (0 = any free port); prints "LISTENING <port>" once bound.
// BENCH_SNAPSHOT=1 calls globalThis.tracekit?.captureSnapshot?.('bench', { id }) once per request.
// SIGUSR2 prints "SERVED <n>" (requests answered so far) so the runner can compare spans with requests.
const path = require('node:path');

const fromApp = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '../../test/apps/nest11')] }));
fromApp('reflect-metadata');
const { Controller, Get, Module, Param } = fromApp('@nestjs/common');
const { NestFactory } = fromApp('@nestjs/core');
const { ExpressAdapter } = fromApp('@nestjs/platform-express');

const snapshot = process.env.BENCH_SNAPSHOT === '1';
let served = 0;

class UsersController {
  getUser(id) {
    if (snapshot) globalThis.tracekit?.captureSnapshot?.('bench', { id });
    served++;
    return { id, name: `User ${id}` };
  }
}
Param('id')(UsersController.prototype, 'getUser', 0);
Get(':id')(UsersController.prototype, 'getUser', Object.getOwnPropertyDescriptor(UsersController.prototype, 'getUser'));
Controller('users')(UsersController);
class AppModule {}
Module({ controllers: [UsersController] })(AppModule);

process.on('SIGUSR2', () => process.stdout.write(`SERVED ${served}\n`));

NestFactory.create(AppModule, new ExpressAdapter(), { logger: false }).then(async (app) => {
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  process.stdout.write(`LISTENING ${app.getHttpServer().address().port}\n`);
});
