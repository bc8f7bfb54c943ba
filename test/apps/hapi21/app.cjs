// Hapi 21 (CommonJS). Prints `LISTENING <port>` once ready.
const Hapi = require('@hapi/hapi');
const Boom = require('@hapi/boom');
const { startHapiApp } = require('../../fixtures/frameworks/hapi-app.cjs');

startHapiApp(Hapi, Boom);
