/**
 * The variable lookup behind readConfig: the real environment first, `${cwd}/.env` (dotenv syntax) only for
 * variables the environment leaves unset. Values are trimmed and an empty value counts as unset, in both.
 * Nothing is written back: the app's own dotenv (if any) still sees an untouched `process.env`.
 */
import { nodeRequire } from '../node-require.js';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;
export type ReadFile = (path: string) => string | undefined;

export interface Lookup {
  get: (name: string) => string | undefined;
  dotenvPath: string;
  /** Names whose value came from `.env`, for the start-up info line. */
  usedFromDotenv: ReadonlySet<string>;
}

function loadDotenv(): typeof import('dotenv') {
  // A plain require call: esbuild keeps the bundled module's initialisation lazy until this runs.
  return nodeRequire('dotenv') as typeof import('dotenv');
}

function own(record: Env, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
  const v = record[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function createLookup(env: Env, cwd: string, readFile: ReadFile, warn: (message: string) => void): Lookup {
  const dotenvPath = join(cwd, '.env');
  let fileVars: Env = {};
  try {
    const text = readFile(dotenvPath);
    // dotenv is required only when there is a .env: loading it costs ~10 ms of start-up (it pulls in crypto).
    if (text !== undefined) fileVars = loadDotenv().parse(text);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    warn(`${dotenvPath} could not be read (${typeof code === 'string' ? code : String(err)}); continuing without it`);
  }
  const usedFromDotenv = new Set<string>();
  const get = (name: string): string | undefined => {
    const fromEnv = own(env, name);
    if (fromEnv !== undefined) return fromEnv;
    const fromFile = own(fileVars, name);
    if (fromFile !== undefined) usedFromDotenv.add(name);
    return fromFile;
  };
  return { get, dotenvPath, usedFromDotenv };
}
