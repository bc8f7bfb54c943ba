/**
 * NestJS (on @nestjs/platform-express or @nestjs/platform-fastify): controller and handler names and the errors
 * Nest turns into responses itself, for the SERVER span the http server instrumentation opened. The route
 * template comes from the Express or Fastify row: Nest registers each route on the underlying framework with its
 * full path (global prefix, RouterModule paths, controller and method paths joined), and those rows report it.
 *
 * Two classes of @nestjs/core are patched, both internal files its entry loads:
 *   - `RouterExecutionContext#create` builds, once per route at start-up (per request only for request-scoped
 *     controllers), the function that runs guards, interceptors, pipes and the method. Its arguments name the
 *     controller and the method, so `Controller.method` is resolved there, and the function it returns is wrapped
 *     to hand the names to the request.
 *   - `ExceptionsHandler#next` is where Nest sends every exception of an HTTP route, whether thrown by a guard, a
 *     pipe, an interceptor or the method, before its filters answer. The error is only noted: a 4xx answer (an
 *     HttpException such as NotFoundException, or a guard's 403) is never an error, a 5xx is.
 * Nest 12 ships as ESM only: its files never pass through `require`, so the same two files are also hooked in
 * ESM (the loader hooks wrap just these two; Nest 10 and 11 apps, which are CommonJS, do not get the hooks).
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { noteServerError, serverSpanOf, setHandler } from './server-state.js';
import type { Span } from '../trace/span.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

const kNames = Symbol('tracekit.nestNames');

interface HandlerNames {
  readonly controller: string | undefined;
  readonly method: string | undefined;
  /** `Controller.method`, or undefined when either part is unknown. */
  readonly full: string | undefined;
}

interface NamedClass {
  name?: unknown;
  [kNames]?: Map<string, HandlerNames>;
}

interface NestState {
  patchExecutionContext(exports: unknown): unknown;
  patchExceptionsHandler(exports: unknown): unknown;
}

// 10 and 11 are CommonJS; 12 is ESM only, so its targets ask for the ESM loader hooks.
const COMMONJS = '>=10 <12';
const ESM_ONLY = '>=12 <13';
const EXECUTION_CONTEXT = 'router/router-execution-context';
const EXCEPTIONS_HANDLER = 'exceptions/exceptions-handler';

export const nestjs = defineInstrumentation<NestState>({
  name: 'nestjs',
  enabledByDefault: true,
  modules: [
    { module: '@nestjs/core', file: EXECUTION_CONTEXT, versions: COMMONJS, patch: (exports, state) => state.patchExecutionContext(exports) },
    { module: '@nestjs/core', file: EXCEPTIONS_HANDLER, versions: COMMONJS, patch: (exports, state) => state.patchExceptionsHandler(exports) },
    { module: '@nestjs/core', file: EXECUTION_CONTEXT, versions: ESM_ONLY, esm: true, patch: (exports, state) => state.patchExecutionContext(exports) },
    { module: '@nestjs/core', file: EXCEPTIONS_HANDLER, versions: ESM_ONLY, esm: true, patch: (exports, state) => state.patchExceptionsHandler(exports) },
  ],
  create: createNestState,
});

function createNestState(_runtime: unknown, guard: Guard): NestState {
  return {
    patchExecutionContext(exports) {
      const proto = (exports as { RouterExecutionContext?: { prototype?: object } } | undefined)?.RouterExecutionContext?.prototype;
      if (proto === undefined) return exports;
      guard.wrap(proto, 'create', {
        exit(_state, result, error, _self, args) {
          if (error !== undefined || typeof result !== 'function') return undefined;
          const names = namesOf(args[0], args[1], args[2]);
          return guard.around(result as AnyFunction, { enter: (_this, handlerArgs) => enterHandler(names, handlerArgs[0]) });
        },
      });
      return exports;
    },
    patchExceptionsHandler(exports) {
      const proto = (exports as { ExceptionsHandler?: { prototype?: object } } | undefined)?.ExceptionsHandler?.prototype;
      if (proto === undefined) return exports;
      guard.wrap(proto, 'next', {
        enter(_self, args) {
          const host = args[1] as { getArgByIndex?: (index: number) => unknown } | undefined;
          const req = typeof host?.getArgByIndex === 'function' ? host.getArgByIndex(0) : undefined;
          noteServerError(incomingOf(req), args[0]);
          return undefined;
        },
      });
      return exports;
    },
  };
}

/**
 * Resolved once per controller method: the controller class name and the method name, kept on the class (a
 * request-scoped controller builds its route function per request, and two controllers may inherit one method).
 */
function namesOf(instance: unknown, callback: unknown, methodName: unknown): HandlerNames {
  const ctor = (instance as { constructor?: NamedClass } | null | undefined)?.constructor;
  const method = typeof methodName === 'string' && methodName !== ''
    ? methodName
    : typeof callback === 'function' && callback.name !== '' ? callback.name : undefined;
  const cache = ctor != null && typeof ctor === 'function' ? ((ctor as NamedClass)[kNames] ??= new Map<string, HandlerNames>()) : undefined;
  const cached = method === undefined ? undefined : cache?.get(method);
  if (cached !== undefined) return cached;
  const controller = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : undefined;
  const names: HandlerNames = { controller, method, full: controller !== undefined && method !== undefined ? `${controller}.${method}` : undefined };
  if (method !== undefined) cache?.set(method, names);
  return names;
}

function enterHandler(names: HandlerNames, req: unknown): undefined {
  const incoming = incomingOf(req);
  const span = serverSpanOf(incoming) as Span | undefined;
  if (span === undefined) return undefined;
  setHandler(incoming, names.full);
  if (span.isRecording()) {
    if (names.controller !== undefined) span.setAttribute('nestjs.controller', names.controller);
    if (names.method !== undefined) span.setAttribute('nestjs.handler', names.method);
  }
  return undefined;
}

/** Express hands Nest the IncomingMessage itself; Fastify its own request, with the IncomingMessage as `raw`. */
function incomingOf(req: unknown): unknown {
  if (req == null || serverSpanOf(req) !== undefined) return req;
  return (req as { raw?: unknown }).raw;
}
