// `npm run demo`: the whole offline loop a developer gets with the agent.
//   1. tracekit-local (the Local UI) on http://localhost:9999 (or --port N);
//   2. a checkout service (Express) calling a payment service (Fastify) through fetch, both started with
//      `node --import @tracekit/agent/register` in development mode, with no API key;
//   3. some traffic, including a deliberate error and a snapshot whose breakpoint the demo switches on;
//   4. the URL to open; it keeps running (with a little traffic every few seconds) until Ctrl-C.
// `--exit-when-ready` stops once everything is visible in the Local UI (used by the demo's test).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: options } = parseArgs({ options: { port: { type: 'string', default: '9999' }, 'exit-when-ready': { type: 'boolean', default: false } } });
const children = [];
const say = (line) => process.stdout.write(`${line}\n`);

/** Starts a process, keeps its output to itself (shown only if it dies), resolves with its first URL or port. */
function start(label, args, env, pattern) {
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (data) => { output += data; });
  child.stderr.on('data', (data) => { output += data; });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = pattern.exec(output);
      if (match) resolve({ child, match: match[1], output: () => output });
    });
    child.on('exit', (code) => reject(new Error(`${label} stopped (exit ${code}):\n${output.trim()}`)));
  });
}

async function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
  process.exit(code);
}
process.on('SIGINT', () => { say('\nstopping the demo…'); void stopAll(0); });

try {
  await main();
} catch (error) {
  say(`\nthe demo could not run: ${error.message}`);
  await stopAll(1);
}

async function main() {
  const ui = await start('tracekit-local', ['local-ui/bin.mjs', '--port', options.port], {}, /listening on (http:\/\/\S+)/);
  const uiUrl = ui.match.replace(/,$/, '');
  const api = (path, init) => fetch(`${uiUrl}${path}`, init).then((response) => response.json());
  say(`Local UI      ${uiUrl}`);

  const agentEnv = {
    NODE_ENV: 'development',
    TRACEKIT_LOCAL_UI_URL: uiUrl,
    TRACEKIT_CODE_MONITORING: 'true',
    TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '2000',
    TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '2000',
    TRACEKIT_RUNTIME_METRICS_INTERVAL_MS: '5000',
    OTEL_BSP_SCHEDULE_DELAY: '250',
  };
  const register = ['--import', './register.mjs'];
  const payment = await start('payment service', [...register, 'examples/demo/payment.mjs'], { ...agentEnv, TRACEKIT_SERVICE_NAME: 'payment-service' }, /LISTENING (\d+)/);
  const paymentUrl = `http://127.0.0.1:${payment.match}`;
  const checkout = await start('checkout service', [...register, 'examples/demo/checkout.mjs'], {
    ...agentEnv,
    TRACEKIT_SERVICE_NAME: 'checkout',
    PAYMENT_URL: paymentUrl,
    // The service map names the payment service by its address.
    TRACEKIT_SERVICE_NAME_MAPPINGS: `127.0.0.1:${payment.match}=payment-service`,
  }, /LISTENING (\d+)/);
  const checkoutUrl = `http://127.0.0.1:${checkout.match}`;
  say(`services      checkout (Express) on :${checkout.match} → payment-service (Fastify) on :${payment.match}, both under the agent, no API key`);

  const call = async (method, path) => {
    const response = await fetch(`${checkoutUrl}${path}`, { method, headers: { 'user-agent': 'tracekit-demo' } });
    await response.arrayBuffer();
    return response.status;
  };
  const traffic = async () => [
    `GET /products/7 ${await call('GET', '/products/7')}`,
    `POST /checkout/cart-42 ${await call('POST', '/checkout/cart-42')}`,
    `GET /inventory ${await call('GET', '/inventory')}`,
  ];
  say(`traffic       ${(await traffic()).join(', ')} (the 500 is the deliberate error)`);

  // The checkout's snapshot call registered its call site with the Local UI: switch its breakpoint on.
  const breakpoint = await until('the snapshot breakpoint to register', async () =>
    (await api('/api/breakpoints')).services?.find((s) => s.service === 'checkout')?.breakpoints.find((b) => b.label === 'checkout-total'));
  await fetch(`${uiUrl}/api/breakpoints/${breakpoint.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
  say('snapshot      breakpoint "checkout-total" switched on');

  let missing = [];
  await until(() => `everything to show up in the Local UI (still missing: ${missing.join(', ')})`, async () => {
    await call('POST', '/checkout/cart-42');
    const [traces, map, snapshots, metrics] = await Promise.all([api('/api/traces?limit=50'), api('/api/service-map'), api('/api/snapshots'), api('/api/metrics')]);
    const twoServices = traces.traces?.some((t) => (t.services ?? []).length >= 2);
    const edge = (map.edges ?? []).some((e) => e.source === 'checkout' && e.target === 'payment-service');
    const error = traces.traces?.some((t) => t.status === 'error' || t.error_count > 0 || t.errors > 0);
    const found = { 'a two-service trace': twoServices, 'the service-map edge': edge, 'the error': error,
      'a snapshot': snapshots.snapshots?.length > 0, 'a metric': metrics.series?.length > 0 };
    missing = Object.keys(found).filter((key) => !found[key]);
    return missing.length === 0;
  });
  say(`ready         a two-service trace, the service-map edge checkout → payment-service, the error with its stack,`);
  say(`              a captured snapshot and the metrics are in the Local UI: open ${uiUrl}`);
  if (options['exit-when-ready']) return stopAll(0);
  say('              a little traffic goes on every 5 s; Ctrl-C stops the demo');
  setInterval(() => void traffic().catch(() => {}), 5000);
}

/** Polls `check` until it returns something truthy, for at most a minute. */
async function until(what, check) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
