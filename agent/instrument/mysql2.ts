/**
 * The `mysql2` row: mysql2 3.20+ publishes tracing channels for every query and execute (callback, promise and
 * event-emitter forms alike) and for pool checkouts, so nothing is patched. What they carry, and what that means:
 *   - `query` is the statement with the bound values already interpolated: it goes through the SQL summary
 *     (sql-text.ts), which replaces every literal with `?`; `values` is never read;
 *   - the server (`serverAddress`, `serverPort`) and `database` come with each message;
 *   - the callback of a query runs in the context of the connection's socket, and a caller waiting in the
 *     pool's queue gets its connection from whoever released one, so its callback (and the query it sends from
 *     there) would run in another request's context. mysql2 calls both callbacks through `asyncStart.runStores`,
 *     so binding our context store to those channels gives each callback back the context its caller had at
 *     `start`. The promise API needs nothing: a promise continues in the context of whoever awaits it.
 * The span ends at `error` or `asyncStart` (before the app's callback runs, so it measures the query only).
 * mysql2 before 3.20 has no channels and is not instrumented (a warning says so).
 */
import { context } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { defineInstrumentation } from './definition.js';
import { DbSpans, endMessageSpan, kDbSpan, portNumber } from './db-span.js';
import type { TracedMessage } from './db-span.js';
import { summarizeSql } from './sql-text.js';

interface QueryMessage {
  query?: unknown;
  database?: unknown;
  serverAddress?: unknown;
  serverPort?: unknown;
}

const kContext = Symbol('tracekit.callerContext');
type Traced = QueryMessage & TracedMessage & { [kContext]?: Context };

const TRACED = ['mysql2:query', 'mysql2:execute', 'mysql2:pool:connect'];

export const mysql2 = defineInstrumentation<undefined>({
  name: 'mysql2',
  enabledByDefault: true,
  // Required by mysql2's main file, also when an ESM app imports mysql2.
  modules: [{ module: 'mysql2', file: 'lib/base/connection', versions: '>=3.20 <4', patch: (exports) => exports }],
  channels: TRACED.flatMap((name) => [`tracing:${name}`, `tracing:${name}:asyncStart`]),
  create(runtime, guard) {
    const spans = new DbSpans(runtime, '@tracekit/agent/mysql2');
    const storage = runtime.contextManager.storage;

    function startQuery(message: unknown): void {
      const traced = message as Traced;
      traced[kContext] = context.active();
      const parent = DbSpans.parent();
      if (parent === undefined) return;
      const summary = typeof traced.query === 'string' ? summarizeSql(traced.query, 'mysql') : undefined;
      traced[kDbSpan] = spans.start(parent, {
        system: 'mysql',
        namespace: typeof traced.database === 'string' ? traced.database : undefined,
        operation: summary?.operation,
        collection: summary?.collection,
        text: summary?.text,
        host: typeof traced.serverAddress === 'string' ? traced.serverAddress : undefined,
        port: portNumber(traced.serverPort),
      });
    }

    const callerContext = (message: unknown): Context => (message as Traced)[kContext] ?? storage.getStore() ?? context.active();

    for (const name of ['mysql2:query', 'mysql2:execute']) {
      guard.subscribeTracing(name, { start: startQuery, error: endMessageSpan, asyncStart: endMessageSpan });
    }
    guard.subscribeTracing('mysql2:pool:connect', {
      start(message) {
        (message as Traced)[kContext] = context.active();
      },
    });
    for (const name of TRACED) guard.bindStore(`tracing:${name}:asyncStart`, storage, callerContext);
    return undefined;
  },
});
