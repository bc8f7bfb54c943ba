/**
 * The `ioredis` row: ioredis 5.11+ and 6 publish their own tracing channels for every command (pipelines,
 * MULTI/EXEC and Cluster included: a cluster sends each command through the node's own client), so nothing is
 * patched (redis-channels.ts). The row activates when `ioredis/built/Redis` loads, which ioredis's main file
 * requires, so ESM apps are seen too. ioredis before 5.11 has no channels and is not instrumented.
 */
import { defineInstrumentation } from './definition.js';
import { DbSpans } from './db-span.js';
import { redisChannelNames, subscribeRedisChannels } from './redis-channels.js';

export const ioredis = defineInstrumentation<undefined>({
  name: 'ioredis',
  enabledByDefault: true,
  modules: [{ module: 'ioredis', file: 'built/Redis', versions: '>=5.11 <7', patch: (exports) => exports }],
  channels: redisChannelNames('ioredis'),
  create(runtime, guard) {
    subscribeRedisChannels(guard, new DbSpans(runtime, '@tracekit/agent/ioredis'), { prefix: 'ioredis', multiSpan: false });
    return undefined;
  },
});
