// Hapi 21 (ESM). Prints `LISTENING <port>` once ready.
import Hapi from '@hapi/hapi';
import Boom from '@hapi/boom';
import fixture from '../../fixtures/frameworks/hapi-app.cjs';

fixture.startHapiApp(Hapi, Boom);
