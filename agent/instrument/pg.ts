/**
 * CLIENT spans for `pg` 8: one per `Client#query` (plain text, config objects, prepared statements, and
 * submittables such as pg-cursor and pg-query-stream), for clients of a `pg.Pool` too, since the pool queries
 * through `Client#query`.
 *
 * pg publishes no diagnostics channels, so `Client#query` is wrapped (in `pg/lib/client`, which ESM apps reach
 * through pg's own `require`). The span ends when the returned promise settles, when the callback is called,
 * or when the submittable is done (`handleReadyForQuery`) or fails (`handleError`).
 *
 * Context: pg calls callbacks from its socket's events, which run in the context of whoever opened the
 * connection (for a pool: the first request that needed a new client). So callbacks are bound to the caller's
 * context, and so is the callback of `Pool#connect`, which a queued caller receives from whoever released a
 * client. Without that, `pool.query` (which runs `client.query` inside its connect callback) would file a
 * query under another request's span.
 */
import { context } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { Span } from '../trace/span.js';
import { defineInstrumentation } from './definition.js';
import { DbSpans, endDbSpan, portNumber } from './db-span.js';
import type { Guard } from './guard.js';
import { summarizeSql } from './sql-text.js';
import type { AgentRuntime } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

interface PgClient {
  host?: unknown;
  port?: unknown;
  database?: unknown;
}

interface Submittable {
  submit: AnyFunction;
  text?: unknown;
  handleError?: AnyFunction;
  handleReadyForQuery?: AnyFunction;
}

interface PgState {
  patchClient(exports: unknown): unknown;
  patchPool(exports: unknown): unknown;
}

export const pg = defineInstrumentation<PgState>({
  name: 'pg',
  enabledByDefault: true,
  modules: [
    { module: 'pg', file: 'lib/client', versions: '>=8 <9', patch: (exports, state) => state.patchClient(exports) },
    { module: 'pg-pool', versions: '>=3 <4', patch: (exports, state) => state.patchPool(exports) },
  ],
  create: createPgState,
});

function createPgState(runtime: AgentRuntime, guard: Guard): PgState {
  const spans = new DbSpans(runtime, '@tracekit/agent/pg');
  const finish = guard.protect(endDbSpan);

  function startQuery(client: PgClient, parent: Context, config: unknown): Span | undefined {
    const statement = typeof config === 'string' ? config : (config as { text?: unknown }).text;
    const summary = typeof statement === 'string' ? summarizeSql(statement, 'postgresql') : undefined;
    return spans.start(parent, {
      system: 'postgresql',
      namespace: typeof client.database === 'string' ? client.database : undefined,
      operation: summary?.operation,
      collection: summary?.collection,
      text: summary?.text,
      host: typeof client.host === 'string' ? client.host : undefined,
      port: portNumber(client.port),
    });
  }

  /** The app's callback, run in the caller's context once the span has ended. */
  function callbackFor(span: Span | undefined, parent: Context, callback: AnyFunction): AnyFunction {
    const bound = context.bind(parent, callback);
    return span === undefined ? bound : guard.callback(bound, (args) => endDbSpan(span, args[0]));
  }

  /** pg-cursor and friends: the client tells the submittable itself when it is done or failed. */
  function watchSubmittable(submittable: Submittable, span: Span): void {
    const { handleError, handleReadyForQuery } = submittable;
    if (typeof handleError !== 'function' || typeof handleReadyForQuery !== 'function') return endDbSpan(span, undefined);
    submittable.handleError = guard.callback(handleError, (args) => endDbSpan(span, args[0]));
    submittable.handleReadyForQuery = guard.callback(handleReadyForQuery, () => endDbSpan(span, undefined));
  }

  interface QueryState { span: Span | undefined; promise: boolean }

  function enterQuery(client: unknown, args: IArguments): QueryState | undefined {
    const config = args[0];
    if (config == null) return undefined;
    const callbackAt = typeof args[1] === 'function' ? 1 : typeof args[2] === 'function' ? 2 : -1;
    const parent = DbSpans.parent();
    if (parent === undefined) {
      // No span to make; still keep a callback in its caller's context (see the file comment).
      if (callbackAt !== -1) args[callbackAt] = context.bind(context.active(), args[callbackAt] as AnyFunction);
      return undefined;
    }
    const submittable = typeof (config as Submittable).submit === 'function';
    // A config object that brings its own callback: pg calls it and returns nothing we could watch.
    if (!submittable && callbackAt === -1 && typeof (config as { callback?: unknown }).callback === 'function') return undefined;
    const span = startQuery(client as PgClient, parent, config);
    if (submittable) {
      if (span !== undefined) watchSubmittable(config as Submittable, span);
      if (callbackAt !== -1) args[callbackAt] = context.bind(parent, args[callbackAt] as AnyFunction);
      return undefined;
    }
    if (callbackAt !== -1) {
      args[callbackAt] = callbackFor(span, parent, args[callbackAt] as AnyFunction);
      return { span, promise: false };
    }
    return { span, promise: true };
  }

  function exitQuery(state: QueryState | undefined, result: unknown, error: unknown): undefined {
    const span = state?.span;
    if (span === undefined) return undefined;
    if (error !== undefined) {
      endDbSpan(span, error);
    } else if (state!.promise) {
      const then = (result as { then?: unknown } | undefined)?.then;
      if (typeof then === 'function') {
        // A second chain on pg's promise: the app's own promise, error and stack stay exactly as pg made them.
        then.call(result, () => finish(span, undefined), (failure: unknown) => finish(span, failure));
      } else {
        endDbSpan(span, undefined);
      }
    }
    return undefined;
  }

  return {
    patchClient(exports) {
      const proto = (exports as { prototype?: object } | undefined)?.prototype;
      if (proto !== undefined) guard.wrap(proto, 'query', { enter: enterQuery, exit: exitQuery });
      return exports;
    },
    patchPool(exports) {
      const proto = (exports as { prototype?: object } | undefined)?.prototype;
      if (proto === undefined) return exports;
      guard.wrap(proto, 'connect', {
        enter(_pool, args) {
          // A queued caller gets its client from whoever releases one: give the callback back its own context.
          if (typeof args[0] === 'function') args[0] = context.bind(context.active(), args[0] as AnyFunction);
          return undefined;
        },
      });
      return exports;
    },
  };
}
