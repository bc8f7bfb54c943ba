// The demo's downstream service, plain node:http: it receives the shop's traceparent and continues its trace.
import http from 'node:http';

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const { amount } = JSON.parse(body || '{}');
    setTimeout(() => {
      res.writeHead(amount > 100 ? 402 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: amount <= 100, amount }));
    }, 5);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
