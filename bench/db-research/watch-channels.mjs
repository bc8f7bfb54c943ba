// Research helper: subscribes to tracing channels and prints every event with the caller's AsyncLocalStorage value
// at that moment and the message's own fields, so what a driver publishes (and in which async context) can be read
// off a real run. Not used by the agent.
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import { createRequire } from 'node:module';

export const als = new AsyncLocalStorage();

/** `require` as seen from a test/apps workspace (each pins its own driver major). */
export const workspace = (name) => createRequire(new URL(`../../test/apps/${name}/package.json`, import.meta.url));

const short = (value) => {
  if (value instanceof Error) return `Error(${value.message})`;
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? String(v) : v));
  if (text === undefined) return String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

function describe(message) {
  if (message === null || typeof message !== 'object') return short(message);
  return Object.keys(message).map((key) => `${key}=${key === 'result' ? '<result>' : short(message[key])}`).join(' ');
}

/** Events as they arrive: { channel, event, store, message(keys) } — also printed when `print` is true. */
export const events = [];

export function watchTracing(name, { print = true } = {}) {
  const handlers = {};
  for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) {
    handlers[event] = (message) => {
      const store = als.getStore()?.id ?? '-';
      events.push({ channel: name, event, store, message });
      if (print) console.log(`  ${name}:${event} [ctx=${store}] ${event === 'start' || event === 'error' ? describe(message) : ''}`);
    };
  }
  dc.tracingChannel(name).subscribe(handlers);
  return () => dc.tracingChannel(name).unsubscribe(handlers);
}

export function watchPoint(name) {
  dc.subscribe(name, (message) => console.log(`  ${name} [ctx=${als.getStore()?.id ?? '-'}] ${describe(message)}`));
}

/** Runs `fn` with ALS value {id}, printing a header and the callback/await contexts the caller sees afterwards. */
export async function step(id, fn) {
  console.log(`-- ${id}`);
  try {
    await als.run({ id }, fn);
  } catch (error) {
    console.log(`  (caller saw error: ${error.message})`);
  }
}

/** Checks that the caller's own continuation is still in its context (the driver must not lose it). */
export function expectContext(id, where) {
  const store = als.getStore()?.id ?? '-';
  console.log(`  caller ${where}: ctx=${store}${store === id ? '' : `  <-- LOST (expected ${id})`}`);
}

/**
 * What an agent would do to keep the caller's context across a driver's callbacks: remember the store at `start`
 * and make `asyncStart.runStores` (used by TracingChannel.traceCallback around the callback) restore it.
 */
export function restoreContextOnAsyncStart(name) {
  const saved = new WeakMap();
  const channel = dc.tracingChannel(name);
  channel.start.subscribe((message) => saved.set(message, als.getStore()));
  channel.asyncStart.bindStore(als, (message) => saved.get(message));
}
