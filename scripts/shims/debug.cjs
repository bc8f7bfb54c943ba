// Build-time stand-in for the `debug` package inside the bundle. require-in-the-middle loads `debug` at start
// only to print its own tracing when DEBUG=require-in-the-middle is set; the real package (with supports-color)
// cost ~4 ms of start-up here. The agent's own TRACEKIT_DEBUG output covers what users need.
'use strict';
module.exports = function createDebug() {
  const log = function () {};
  log.enabled = false;
  return log;
};
