/**
 * `http` and `https`, loaded only when first needed, and their request functions as they were before the client
 * instrumentation wrapped them.
 *
 * Why lazy: loading http and https (with net, tls, streams) costs ~25 ms here, most of the agent's start-up
 * budget, and a process that never makes a request (a CLI, a worker, `node -e`) should not pay it. The client
 * instrumentation patches each module when the app first loads it (see instrument/http-client.ts); the agent's
 * own export code asks for the originals, never the patched functions, so it is never traced.
 */
import { nodeRequire } from './node-require.js';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

export type HttpModule = typeof Http;
export type HttpsModule = typeof Https;
export type RequestFunction = typeof Http.request;


interface Originals {
  request: RequestFunction;
  get: RequestFunction;
}

const originals = new Map<'http' | 'https', Originals>();

/** Records the unpatched functions of a module the first time anyone sees it (before any patch). */
export function recordOriginals(name: 'http' | 'https', module: HttpModule | HttpsModule): Originals {
  let recorded = originals.get(name);
  if (recorded === undefined) {
    recorded = { request: module.request as RequestFunction, get: module.get as RequestFunction };
    originals.set(name, recorded);
  }
  return recorded;
}

export function loadHttp(): HttpModule {
  const module = nodeRequire('node:http') as HttpModule;
  recordOriginals('http', module);
  return module;
}

export function loadHttps(): HttpsModule {
  const module = nodeRequire('node:https') as HttpsModule;
  recordOriginals('https', module);
  return module;
}

/** The request function the agent's own calls use: unpatched, for http: or https: URLs. */
export function originalRequest(protocol: string): RequestFunction {
  const name = protocol === 'https:' ? 'https' : 'http';
  const recorded = originals.get(name);
  if (recorded !== undefined) return recorded.request;
  // Loading goes through require, where the client instrumentation may patch it; the originals are recorded first.
  if (name === 'https') loadHttps();
  else loadHttp();
  return originals.get(name)!.request;
}

/**
 * Whether a builtin is already loaded, without loading it. `process.moduleLoadList` lists the builtins loaded so
 * far (`NativeModule http`); where it is missing the answer is "unknown" and callers load the module.
 */
export function isBuiltinLoaded(name: string): boolean | undefined {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList;
  if (!Array.isArray(list)) return undefined;
  return list.includes(`NativeModule ${name}`);
}
