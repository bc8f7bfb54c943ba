/**
 * The `redis` row: node-redis 4, 5 and 6 (`@redis/client` 1.x, 5.12+ and 6.x; the `redis` package re-exports
 * it, through `require`, so ESM apps are seen too). @redis/client 5.12+ publishes its own tracing channels,
 * which are subscribed to (redis-channels.ts); 1.x is patched (redis4.ts). @redis/client 5.0 to 5.11 has
 * neither channels nor 1.x's internals and is not instrumented (a warning says so). A RedisClientPool's queued
 * commands are given back their caller's context (patchPool).
 */
import { context } from '@opentelemetry/api';
import { defineInstrumentation } from './definition.js';
import { DbSpans } from './db-span.js';
import { redis4Patches } from './redis4.js';
import type { Redis4Patches } from './redis4.js';
import { redisChannelNames, subscribeRedisChannels } from './redis-channels.js';

interface RedisState extends Redis4Patches {
  subscribe(): void;
  patchPool(exports: unknown): unknown;
}

export const redis = defineInstrumentation<RedisState>({
  name: 'redis',
  enabledByDefault: true,
  modules: [
    { module: '@redis/client', file: 'dist/lib/commander', versions: '>=1 <2', patch: (exports, state) => state.patchCommander(exports) },
    { module: '@redis/client', file: 'dist/lib/client', versions: '>=1 <2', patch: (exports, state) => state.patchClient(exports) },
    { module: '@redis/client', versions: '>=1 <2 || >=5.12 <7', patch: (exports, state) => { state.subscribe(); return exports; } },
    { module: '@redis/client', file: 'dist/lib/client/pool', versions: '>=5.12 <7', patch: (exports, state) => state.patchPool(exports) },
  ],
  channels: redisChannelNames('node-redis'),
  create(runtime, guard) {
    const spans = new DbSpans(runtime, '@tracekit/agent/redis');
    let subscribed = false;
    return {
      ...redis4Patches(guard, spans),
      subscribe() {
        // Harmless for 1.x, which publishes nothing; once per process.
        if (subscribed) return;
        subscribed = true;
        subscribeRedisChannels(guard, spans, { prefix: 'node-redis', multiSpan: true });
      },
      patchPool(exports) {
        // A command that waits for a free client of a RedisClientPool is run by whoever releases one, in that
        // caller's context (its command:start would name the wrong parent): run it in its own caller's context.
        const proto = (exports as { RedisClientPool?: { prototype?: object } } | undefined)?.RedisClientPool?.prototype;
        if (proto === undefined) return exports;
        guard.wrap(proto, 'execute', {
          enter(_pool, args) {
            if (typeof args[0] === 'function') args[0] = context.bind(context.active(), args[0] as (...a: unknown[]) => unknown);
            return undefined;
          },
        });
        return exports;
      },
    };
  },
});
