// The second local server of the realistic benchmark: what the app's handler fetches. It runs in the runner's
// process, not under any agent, and answers a small JSON body at once.
import http from 'node:http';

export async function startUpstream() {
  const body = JSON.stringify({ ok: true, stock: 12 });
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}
