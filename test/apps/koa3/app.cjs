// Koa 3 with @koa/router 15 (CommonJS build of the router). Prints `LISTENING <port>` once ready.
const Koa = require('koa');
const Router = require('@koa/router');
const { buildKoaApp, listen } = require('../../fixtures/frameworks/koa-app.cjs');

listen(buildKoaApp(Koa, Router));
