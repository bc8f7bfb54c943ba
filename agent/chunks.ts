/**
 * Loads a part of the agent that the bundle keeps in a file of its own (dist/<name>.cjs) because most apps never
 * run it: each instrumentation that waits for its library, and code monitoring. scripts/build-chunks.mjs writes
 * those files. Until one is loaded, its source is never read, parsed or kept in memory. Bundle only: the
 * TypeScript sources, run as they are by the unit tests, import those parts directly.
 */
import path from 'node:path';
import { nodeRequire } from './node-require.js';

export function loadChunk<T>(name: string): T {
  return nodeRequire(path.join(__dirname, `${name}.cjs`)) as T;
}
