#!/usr/bin/env node
// tracekit-local: the offline Local UI for traces, snapshots, metrics and logs.
import { spawn } from 'node:child_process';
import { parseArgs, USAGE } from './cli-options.mjs';
import { createLocalUi } from './server.mjs';
import { openSqlitePersistence, PersistenceUnavailable } from './sqlite-persistence.mjs';

const { options, errors, warnings } = parseArgs(process.argv.slice(2));
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (errors.length > 0) {
  for (const error of errors) process.stderr.write(`tracekit-local: ${error}\n`);
  process.stderr.write(`\n${USAGE}`);
  process.exit(2);
}
for (const warning of warnings) process.stderr.write(`tracekit-local: warning: ${warning}\n`);

// The server must outlive any one bad request; a bug is reported and the server keeps serving.
process.on('uncaughtException', (error) => process.stderr.write(`tracekit-local: unexpected error: ${error && error.stack ? error.stack : error}\n`));
process.on('unhandledRejection', (error) => process.stderr.write(`tracekit-local: unexpected error: ${error && error.stack ? error.stack : error}\n`));

let persistence;
if (options.db !== '') {
  try {
    persistence = await openSqlitePersistence(options.db);
  } catch (error) {
    process.stderr.write(`tracekit-local: ${error instanceof PersistenceUnavailable ? error.message : `cannot open ${options.db}: ${error.message}`}\n`);
    process.exit(2);
  }
}

const ui = createLocalUi({ maxTraces: options.maxTraces, retentionMs: options.retentionMs, maxBytes: options.maxBytes, requestTimeoutMs: options.requestTimeoutMs, persistence });
let address;
try {
  address = await ui.listen(options.port, options.host);
} catch (error) {
  if (error.code === 'EADDRINUSE') {
    process.stderr.write(
      `tracekit-local: port ${options.port} on ${options.host} is already in use (is another tracekit-local running?).\n` +
        `Stop the other process, or pick a port with --port N; agents must then be pointed at that port too.\n`,
    );
  } else process.stderr.write(`tracekit-local: cannot listen on ${options.host}:${options.port}: ${error.message}\n`);
  process.exit(1);
}

const shownHost = address.host === '127.0.0.1' || address.host === '::1' ? 'localhost' : address.host.includes(':') ? `[${address.host}]` : address.host;
const url = `http://${shownHost}:${address.port}`;
const stored = persistence ? `, ${ui.ctx.traces.traces.size} traces loaded from ${options.db}` : '';
process.stdout.write(`tracekit-local ${ui.ctx.version} listening on ${url}${stored}\n`);
if (options.open) openBrowser(url);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    ui.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

function openBrowser(target) {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', target] : [target];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`tracekit-local: could not open a browser (${command}); open ${target} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`tracekit-local: could not open a browser; open ${target} yourself\n`);
  }
}
