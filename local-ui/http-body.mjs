// Reading request bodies safely: a byte cap checked on the declared length, while streaming and again after
// gzip/deflate is undone (a 10 KB gzip bomb must not become gigabytes), and JSON parsing with the reason kept.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new HttpError(413, `body of ${declared} bytes is over the ${formatBytes(maxBytes)} limit`));
      return;
    }
    const chunks = [];
    let length = 0;
    const onData = (chunk) => {
      length += chunk.length;
      if (length > maxBytes) {
        cleanup();
        reject(new HttpError(413, `body is over the ${formatBytes(maxBytes)} limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error) => {
      cleanup();
      reject(new HttpError(400, `request body could not be read: ${error.message}`));
    };
    const onAborted = () => onError(new Error('client went away'));
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Undoes Content-Encoding (gzip, deflate), with the same cap on the result. */
export async function decodeContentEncoding(req, body, maxBytes) {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? gunzip : encoding === 'deflate' ? inflate : undefined;
  if (decoder === undefined) throw new HttpError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)} (gzip, deflate or none)`);
  try {
    return await decoder(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error && (error.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)) {
      throw new HttpError(413, `body is over the ${formatBytes(maxBytes)} limit once ${encoding} is undone`);
    }
    throw new HttpError(400, `body is not valid ${encoding}: ${error.message}`);
  }
}

export function parseJson(body) {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${error.message}`);
  }
}

/** The media type of the request, lowercase, without parameters. */
export function mediaType(req) {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

export function isProtobuf(req) {
  const type = mediaType(req);
  return type === 'application/x-protobuf' || type === 'application/protobuf' || type === 'application/vnd.google.protobuf';
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export function sendJson(res, status, value, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res, status, reason) {
  // An over-size body is still drained (see server.mjs) rather than cut off: a client that is still writing when
  // the socket closes gets a reset instead of the 413 and never learns why.
  sendJson(res, status, { error: reason });
}
