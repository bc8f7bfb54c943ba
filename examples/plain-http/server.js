// A plain node:http server that calls another service with fetch: the agent makes its SERVER span and the
// fetch's CLIENT span, and sends traceparent upstream. Run it traced:
//   node --import @tracekit/agent/register server.js
const http = require('node:http');

const upstream = process.env.UPSTREAM_URL ?? 'https://example.com/';
http.createServer(async (req, res) => {
  const answer = await fetch(upstream);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`upstream said ${answer.status}\n`);
}).listen(Number(process.env.PORT ?? 3000));
