// Koa 2 with @koa/router 12 (CommonJS). Prints `LISTENING <port>` once ready.
const Koa = require('koa');
const Router = require('@koa/router');
const { buildKoaApp, listen } = require('../../fixtures/frameworks/koa-app.cjs');

listen(buildKoaApp(Koa, Router));
