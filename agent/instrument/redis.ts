/**
 * The `redis` row: node-redis 4, 5 and 6 (`@redis/client` 1.x, 5.12+ and 6.x; the `redis` package re-exports
 * it, through `require`, so ESM apps are seen too). @redis/client 5.12+ publishes its own tracing channels,
 * which are subscribed to (redis-channels.ts); 1.x is patched (redis4.ts). @redis/client 5.0 to 5.11 has
 * neither channels nor 1.x's internals and is not instrumented (a warning says so).
 */
import { defineInstrumentation } from './definition.js';
import { DbSpans } from './db-span.js';
import { redis4Patches } from './redis4.js';
import type { Redis4Patches } from './redis4.js';
import { redisChannelNames, subscribeRedisChannels } from './redis-channels.js';

interface RedisState extends Redis4Patches {
  subscribe(): void;
}

export const redis = defineInstrumentation<RedisState>({
  name: 'redis',
  enabledByDefault: true,
  modules: [
    { module: '@redis/client', file: 'dist/lib/commander', versions: '>=1 <2', patch: (exports, state) => state.patchCommander(exports) },
    { module: '@redis/client', file: 'dist/lib/client', versions: '>=1 <2', patch: (exports, state) => state.patchClient(exports) },
    { module: '@redis/client', versions: '>=1 <2 || >=5.12 <7', patch: (exports, state) => { state.subscribe(); return exports; } },
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
    };
  },
});
