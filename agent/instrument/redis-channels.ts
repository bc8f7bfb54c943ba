/**
 * Spans from the tracing channels that redis clients publish themselves (`node-redis:*` in @redis/client 5.12+
 * and 6, `ioredis:*` in ioredis 5.11+ and 6): nothing is patched. Both publish, per command, its name, the
 * database index and the server, and `tracePromise` events around the reply; the caller's context is active at
 * `start`, which is where the span is made. The span ends at `error` or `asyncStart`, whichever comes first
 * (a command that throws synchronously publishes `error` and no `asyncStart`).
 *
 * Only the command name goes into `db.query.text`: the channels already mask values, but keys can be personal
 * data too (`user:42:email`).
 */
import { DbSpans, endMessageSpan, kDbSpan, portNumber } from './db-span.js';
import type { TracedMessage } from './db-span.js';
import type { Guard } from './guard.js';

interface CommandMessage {
  command?: unknown;
  database?: unknown;
  serverAddress?: unknown;
  serverPort?: unknown;
  batchMode?: unknown;
  batchSize?: unknown;
}

type Traced = CommandMessage & TracedMessage;

export interface RedisChannelOptions {
  /** `node-redis` or `ioredis`: the channel prefix. */
  readonly prefix: string;
  /**
   * Whether a MULTI batch gets a span of its own: node-redis publishes no command events inside MULTI (only
   * the batch), ioredis publishes every command of it (MULTI … EXEC), which are spans already.
   */
  readonly multiSpan: boolean;
}

export function redisChannelNames(prefix: string): string[] {
  return [`tracing:${prefix}:command`, `tracing:${prefix}:batch`];
}

export function subscribeRedisChannels(guard: Guard, spans: DbSpans, options: RedisChannelOptions): void {
  /** `operation` undefined: the command's own name (read only once a span is wanted). */
  function start(message: Traced, operation: string | undefined, batchSize: number | undefined): void {
    const parent = DbSpans.parent();
    if (parent === undefined) return;
    operation ??= String(message.command).toUpperCase();
    const span = spans.start(parent, {
      system: 'redis',
      namespace: message.database === undefined ? undefined : String(message.database),
      operation,
      text: operation,
      host: typeof message.serverAddress === 'string' ? message.serverAddress : undefined,
      port: portNumber(message.serverPort),
      batchSize,
    });
    if (span !== undefined) message[kDbSpan] = span;
  }

  guard.subscribeTracing(`${options.prefix}:command`, {
    start(message) {
      start(message as Traced, undefined, undefined);
    },
    error: endMessageSpan,
    asyncStart: endMessageSpan,
  });
  if (!options.multiSpan) return;
  guard.subscribeTracing(`${options.prefix}:batch`, {
    start(message) {
      const traced = message as Traced;
      // A pipeline's commands publish their own events (and spans); a MULTI is one span.
      if (traced.batchMode !== 'MULTI') return;
      start(traced, 'MULTI', typeof traced.batchSize === 'number' ? traced.batchSize : undefined);
    },
    error: endMessageSpan,
    asyncStart: endMessageSpan,
  });
}
