// The page: files built by `npm run build` into dist/local-ui/, served from memory with no CDN involved.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sendError } from './http-body.mjs';

const PAGE_DIR = new URL('../dist/local-ui/', import.meta.url);
const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

const cache = new Map();

function load(name) {
  if (!cache.has(name)) {
    try {
      cache.set(name, readFileSync(new URL(name, PAGE_DIR)));
    } catch {
      cache.set(name, undefined);
    }
  }
  return cache.get(name);
}

export function isPageFile(pathname) {
  return pathname in FILES;
}

export function servePage(req, res, pathname) {
  const [name, type] = FILES[pathname];
  const body = load(name);
  if (body === undefined) {
    sendError(res, 503, `the page is not built (${fileURLToPath(new URL(name, PAGE_DIR))} is missing): run npm run build`);
    return;
  }
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    // Everything the page needs comes from this server; nothing else may load or run.
    'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
