// OTLP ingest: POST /v1/traces, /v1/metrics, /v1/logs, in OTLP/JSON or protobuf, optionally gzip'd.
// Protobuf requests get the (empty) protobuf success response the OTLP exporters expect; JSON requests get JSON.
import { decodeContentEncoding, HttpError, isProtobuf, parseJson, readBody, sendJson } from './http-body.mjs';
import { BadRequest, normaliseLogs, normaliseMetrics, normaliseTraces } from './otlp-normalize.mjs';
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './otlp-proto.mjs';
import { ProtoError } from './proto-reader.mjs';

async function readOtlp(req, ctx, decodeProto) {
  const raw = await readBody(req, ctx.maxBodyBytes);
  const body = await decodeContentEncoding(req, raw, ctx.maxBodyBytes);
  if (isProtobuf(req)) {
    try {
      return decodeProto(body);
    } catch (error) {
      if (error instanceof ProtoError || error instanceof RangeError) throw new HttpError(400, `body is not a valid OTLP protobuf message: ${error.message}`);
      throw error;
    }
  }
  return parseJson(body);
}

function normalised(normalise, request) {
  try {
    return normalise(request);
  } catch (error) {
    if (error instanceof BadRequest) throw new HttpError(400, error.message);
    throw error;
  }
}

function respond(req, res, partial) {
  if (isProtobuf(req)) {
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    return;
  }
  sendJson(res, 200, partial ? { partialSuccess: partial } : {});
}

export async function ingestTraces(req, res, ctx) {
  const request = await readOtlp(req, ctx, decodeTracesProto);
  const { spans, rejected } = normalised(normaliseTraces, request);
  ctx.addSpans(spans);
  respond(req, res, rejected > 0 ? { rejectedSpans: rejected, errorMessage: `${rejected} span(s) without a valid traceId/spanId were dropped` } : undefined);
}

export async function ingestMetrics(req, res, ctx) {
  const request = await readOtlp(req, ctx, decodeMetricsProto);
  const points = normalised(normaliseMetrics, request);
  const changed = ctx.metrics.add(points);
  if (changed.length > 0) ctx.feed.broadcastSoon('metrics_updated', { series: changed.length });
  respond(req, res);
}

export async function ingestLogs(req, res, ctx) {
  const request = await readOtlp(req, ctx, decodeLogsProto);
  const records = normalised(normaliseLogs, request);
  ctx.logs.add(records);
  if (records.length > 0) ctx.feed.broadcastSoon('logs_added', { count: records.length });
  respond(req, res);
}
