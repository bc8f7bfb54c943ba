/**
 * The instrumentation table: each entry is a name users can list in TRACEKIT_DISABLED_INSTRUMENTATIONS and a
 * factory. The http server instrumentation serves both http and https servers (same channels).
 */
import type { ModuleHooks } from '../module-hooks.js';
import { expressInstrumentation } from './express.js';
import { fastifyInstrumentation } from './fastify.js';
import { fetchInstrumentation } from './fetch.js';
import { httpClientInstrumentation } from './http-client.js';
import { httpServerInstrumentation } from './http-server.js';
import type { AgentRuntime, Instrumentation } from './types.js';

export function enabledInstrumentations(runtime: AgentRuntime, hooks: ModuleHooks): Instrumentation[] {
  const { disabledInstrumentations: off, autoInstrumentHttpClient } = runtime.config;
  const list: Instrumentation[] = [];
  if (!off.has('http') && !off.has('https')) list.push(httpServerInstrumentation(runtime));
  if (autoInstrumentHttpClient && !off.has('http-client')) list.push(httpClientInstrumentation(runtime, hooks));
  if (autoInstrumentHttpClient && !off.has('fetch')) list.push(fetchInstrumentation(runtime));
  if (!off.has('express')) list.push(expressInstrumentation(runtime, hooks));
  if (!off.has('fastify')) list.push(fastifyInstrumentation(runtime));
  return list;
}
