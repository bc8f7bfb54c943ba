/**
 * redis 4 (@redis/client 1.x) publishes no diagnostics channels, so three of its functions are wrapped:
 *   - `attachCommands` in `dist/lib/commander`, while the client module defines its command methods: the
 *     executor every `client.get(…)`-style method calls is wrapped before it is attached (the methods keep a
 *     reference to it, so wrapping it later would not reach them);
 *   - `RedisClient#sendCommand` (raw commands);
 *   - `RedisClient#multiExecutor`: MULTI/EXEC is one span (as redis 5 and 6 report it), a pipeline one span
 *     per command, all ending when the batch is answered.
 */
import type { Context } from '@opentelemetry/api';
import type { Span } from '../trace/span.js';
import { DbSpans, endDbSpan, portNumber } from './db-span.js';
import type { Guard } from './guard.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

interface ClientOptions {
  socket?: { host?: unknown; port?: unknown; path?: unknown };
  database?: unknown;
}

interface Server {
  host: string | undefined;
  port: number | undefined;
  namespace: string;
}

export interface Redis4Patches {
  patchCommander(exports: unknown): unknown;
  patchClient(exports: unknown): unknown;
}

export function redis4Patches(guard: Guard, spans: DbSpans): Redis4Patches {
  // The options of a client do not change after construction (the URL is parsed into `socket` by then).
  const servers = new WeakMap<object, Server>();

  function serverOf(client: object): Server {
    let server = servers.get(client);
    if (server === undefined) {
      const options = (client as { options?: ClientOptions }).options;
      const socket = options?.socket;
      const path = typeof socket?.path === 'string' ? socket.path : undefined;
      server = {
        host: path ?? (typeof socket?.host === 'string' ? socket.host : 'localhost'),
        port: path === undefined ? portNumber(socket?.port) ?? 6379 : undefined,
        namespace: String(options?.database ?? 0),
      };
      servers.set(client, server);
    }
    return server;
  }

  function startCommand(client: object, parent: Context, operation: string, batchSize?: number): Span | undefined {
    const server = serverOf(client);
    return spans.start(parent, {
      system: 'redis', namespace: server.namespace, operation, text: operation, host: server.host, port: server.port, batchSize,
    });
  }

  /** Ends the spans when the promise the wrapped function returned settles; the app's promise is left as it is. */
  function endWith(result: unknown, error: unknown, started: Span[] | undefined): undefined {
    if (started === undefined || started.length === 0) return undefined;
    const then = (result as { then?: unknown } | undefined)?.then;
    if (error !== undefined || typeof then !== 'function') {
      for (const span of started) endDbSpan(span, error);
      return undefined;
    }
    then.call(result,
      guard.protect(() => { for (const span of started) endDbSpan(span, undefined); }),
      guard.protect((failure: unknown) => { for (const span of started) endDbSpan(span, failure); }));
    return undefined;
  }

  const oneCommand = (operationOf: (args: IArguments) => unknown) => ({
    enter(client: unknown, args: IArguments): Span[] | undefined {
      const parent = DbSpans.parent();
      if (parent === undefined || client == null) return undefined;
      const span = startCommand(client as object, parent, String(operationOf(args)).toUpperCase());
      return span === undefined ? undefined : [span];
    },
    exit: (started: Span[] | undefined, result: unknown, error: unknown) => endWith(result, error, started),
  });

  const multiExecutor = {
    enter(client: unknown, args: IArguments): Span[] | undefined {
      const parent = DbSpans.parent();
      const commands = args[0] as Array<{ args?: unknown[] }> | undefined;
      if (parent === undefined || client == null || !Array.isArray(commands)) return undefined;
      const started: Span[] = [];
      if (args[2] !== undefined) {
        // A chain id: MULTI … EXEC.
        const span = startCommand(client as object, parent, 'MULTI', commands.length);
        if (span !== undefined) started.push(span);
      } else {
        for (const command of commands) {
          const span = startCommand(client as object, parent, String(command?.args?.[0]).toUpperCase());
          if (span !== undefined) started.push(span);
        }
      }
      return started;
    },
    exit: (started: Span[] | undefined, result: unknown, error: unknown) => endWith(result, error, started),
  };

  return {
    patchCommander(exports) {
      if (exports == null || typeof exports !== 'object') return exports;
      guard.wrap(exports, 'attachCommands', {
        enter(_self, args) {
          const config = args[0] as { BaseClass?: { name?: unknown }; executor?: unknown } | undefined;
          // Only the client's own commands; a MULTI's queued commands are traced when the batch runs.
          if (config?.BaseClass?.name !== 'RedisClient' || typeof config.executor !== 'function') return undefined;
          // attachCommands({ BaseClass, commands, executor }) calls `executor(command, args, name)`.
          args[0] = { ...config, executor: guard.around(config.executor as AnyFunction, oneCommand((a) => a[2])) };
          return undefined;
        },
      });
      return exports;
    },
    patchClient(exports) {
      const proto = (exports as { default?: { prototype?: object } } | undefined)?.default?.prototype;
      if (proto === undefined) return exports;
      guard.wrap(proto, 'sendCommand', oneCommand((a) => (Array.isArray(a[0]) ? a[0][0] : undefined)));
      guard.wrap(proto, 'multiExecutor', multiExecutor);
      return exports;
    },
  };
}
