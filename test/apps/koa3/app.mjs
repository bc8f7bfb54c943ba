// Koa 3 with @koa/router 15 (ESM: the router's own ESM build). Prints `LISTENING <port>` once ready.
import Koa from 'koa';
import Router from '@koa/router';
import fixture from '../../fixtures/frameworks/koa-app.cjs';

fixture.listen(fixture.buildKoaApp(Koa, Router));
