// An HTTP response as text, for comparing an app under the agent with the same app without it: the status line,
// every header in the order sent (minus Date, which changes), and the body.
import http from 'node:http';

export function rawResponse(url, { headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const lines = [`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i].toLowerCase() !== 'date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve(`${lines.join('\r\n')}\r\n\r\n${Buffer.concat(chunks).toString('latin1')}`);
      });
    });
    req.on('error', reject);
  });
}
