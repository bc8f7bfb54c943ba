'use strict';
// The `als-floor` benchmark variant (`--require` this file): what any agent that follows a request through its
// callbacks must pay at least, and nothing else. At each request's start it enters an AsyncLocalStorage store, as
// the agent's context manager does; no span, no export. Before Node 24 an entered store turns on async hooks for
// every promise and callback the app creates, so this shows the part of an agent's cost that no agent code can cut.
const { AsyncLocalStorage } = require('node:async_hooks');
const diagnostics = require('node:diagnostics_channel');

const storage = new AsyncLocalStorage();
diagnostics.subscribe('http.server.request.start', (message) => storage.enterWith({ request: message.request }));
