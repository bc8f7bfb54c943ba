/** The database and cache rows of the instrumentation table, kept together so the table gains one line. */
import type { AnyInstrumentationDefinition } from './definition.js';
import { ioredis } from './ioredis.js';
import { mongodb } from './mongodb.js';
import { mysql2 } from './mysql2.js';
import { pg } from './pg.js';
import { redis } from './redis.js';

export const DATABASE_INSTRUMENTATIONS: readonly AnyInstrumentationDefinition[] = [pg, mysql2, redis, ioredis, mongodb];
