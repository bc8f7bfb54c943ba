/**
 * The instrumentation table: every instrumentation of the agent is one row here, and nothing instruments
 * anything except through these rows (installer.ts reads them, guard.ts runs them). A row says which library
 * (module, file, version range) or which diagnostics channels it serves and whether it is on by default; its
 * name is what users list in TRACEKIT_DISABLED_INSTRUMENTATIONS.
 *
 * Adding an integration: write one file that exports `defineInstrumentation({...})`, add it below, and add its
 * name to names.ts. docs/architecture.md walks through one row.
 */
import type { AnyInstrumentationDefinition } from './definition.js';
import { express } from './express.js';
import { fastify } from './fastify.js';
import { fetchClient } from './fetch.js';
import { httpClient } from './http-client.js';
import { hapi } from './hapi.js';
import { httpServer } from './http-server.js';
import { bunyan } from './bunyan.js';
import { pino } from './pino.js';
import { winston } from './winston.js';
import { DATABASE_INSTRUMENTATIONS } from './databases.js';
import { koa } from './koa.js';
import { nestjs } from './nestjs.js';
import { openai } from './openai.js';
import { anthropic } from './anthropic.js';

export const INSTRUMENTATIONS: readonly AnyInstrumentationDefinition[] = [
  httpServer,
  httpClient,
  fetchClient,
  express,
  fastify,
  koa,
  hapi,
  nestjs,
  pino,
  winston,
  bunyan,
  ...DATABASE_INSTRUMENTATIONS,
  openai, anthropic,
];
