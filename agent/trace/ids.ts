/**
 * Trace and span ids from a pooled block of crypto-random bytes.
 * Why by hand: the SDK's RandomIdGenerator builds ids a character at a time with Math.random (about 0.4 µs per
 * span id here); slicing hex from one randomFillSync block is several times cheaper and cryptographically random.
 */
import { nodeRequire } from '../node-require.js';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;
// crypto is loaded with the first id, not at start-up (it costs ~8 ms to load here).
let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;

function take(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync ??= (nodeRequire('node:crypto') as typeof import('node:crypto')).randomFillSync;
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  return pool.toString('hex', start, offset);
}

const ZERO_SPAN = '0000000000000000';
const ZERO_TRACE = '00000000000000000000000000000000';

export function newSpanId(): string {
  const id = take(8);
  // An all-zero id is invalid in W3C trace context; the chance is 2^-64, the retry costs nothing.
  return id === ZERO_SPAN ? newSpanId() : id;
}

export function newTraceId(): string {
  const id = take(16);
  return id === ZERO_TRACE ? newTraceId() : id;
}
