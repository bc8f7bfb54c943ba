/**
 * The names users may list in TRACEKIT_DISABLED_INSTRUMENTATIONS / TRACEKIT_ENABLED_INSTRUMENTATIONS: the rows of
 * table.ts and their aliases. Kept apart from the table so that reading the configuration does not load any
 * instrumentation; a unit test checks that both agree.
 */
export const INSTRUMENTATION_NAMES = [
  'http', 'https', 'http-client', 'fetch', 'express', 'fastify', 'koa', 'hapi', 'nestjs',
  'pg', 'mysql2', 'redis', 'ioredis', 'mongodb',
  'pino', 'winston', 'bunyan',
  'openai', 'anthropic',
] as const;
