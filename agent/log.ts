/**
 * The agent's only way to talk: one line per message on stderr, prefixed so users can grep it.
 * Warnings are keyed so that a repeated problem (a dead backend, a bad header) prints once, not per request.
 */
import { writeSync } from 'node:fs';

const PREFIX = '[tracekit]';
const seen = new Set<string>();
let debugEnabled = false;
let secrets: readonly string[] = [];
let masker: (secret: string) => string = () => '****';

/**
 * Values that must never appear in a line (the API key and its escaped forms), whatever produced the line: a
 * config value, a server's error message, an exception. Each is replaced by its masked form.
 */
export function setSecrets(values: readonly string[], mask: (secret: string) => string): void {
  secrets = [...values].sort((a, b) => b.length - a.length);
  masker = mask;
}

function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(masker(secret));
  return out;
}

export function setDebug(on: boolean): void {
  debugEnabled = on;
}

export function isDebug(): boolean {
  return debugEnabled;
}

function write(level: string, message: string): void {
  const line = `${PREFIX} ${level}${secrets.length === 0 ? message : scrub(message)}\n`;
  try {
    // Straight to fd 2: the first use of process.stderr builds a stream (loading the streams machinery, ~4 ms of
    // start-up) just for the agent's one start-up line.
    writeSync(2, line);
  } catch {
    try {
      // A non-blocking pipe can refuse a synchronous write (EAGAIN): fall back to the stream.
      process.stderr.write(line);
    } catch {
      // stderr closed or broken: nothing sensible left to do, and the app must not notice.
    }
  }
}

export function warn(message: string): void {
  write('warning: ', message);
}

/** Prints the first time `key` is seen; later calls with the same key are silent. */
export function warnOnce(key: string, message: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  write('warning: ', message);
}

export function info(message: string): void {
  write('', message);
}

export function debug(message: string | (() => string)): void {
  if (!debugEnabled) return;
  write('debug: ', typeof message === 'function' ? message() : message);
}

/**
 * An error's message, read defensively (a hostile error object may throw from its getters), and only its first
 * line: a warning is one line of the app's output, and some messages go on for lines (Node's "Cannot find module"
 * appends the whole require stack).
 */
export function describeError(error: unknown): string {
  try {
    const message = error instanceof Error ? String(error.message) : String(error);
    const end = message.indexOf('\n');
    return end === -1 ? message : message.slice(0, end).trimEnd();
  } catch {
    return 'an error that could not be described';
  }
}
