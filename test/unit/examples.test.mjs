// No container runs on the test machine, so the Docker example is checked as data: the compose file, the
// collector's configuration and the Dockerfile must agree on ports, the OTLP receiver, the exporter to Jaeger, and
// what the app gets (NODE_OPTIONS and the endpoint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const read = (file) => readFileSync(new URL(`../../examples/docker/${file}`, import.meta.url), 'utf8');

test('the app, the collector and Jaeger agree', () => {
  const compose = parse(read('docker-compose.yml'));
  const collector = parse(read('otel-collector.yaml'));
  const dockerfile = read('Dockerfile');
  const app = compose.services.app;
  assert.equal(app.environment.NODE_OPTIONS, '--import @tracekit/agent/register');
  assert.match(dockerfile, /^ENV NODE_OPTIONS="--import @tracekit\/agent\/register"$/m);
  // The app sends OTLP/HTTP to the collector's service name and port.
  const endpoint = new URL(app.environment.OTEL_EXPORTER_OTLP_ENDPOINT);
  assert.equal(endpoint.hostname, 'otel-collector');
  const receiverPort = collector.receivers.otlp.protocols.http.endpoint.split(':').at(-1);
  assert.equal(endpoint.port, receiverPort);
  assert.ok(compose.services['otel-collector'].ports.some((p) => p.startsWith(`${receiverPort}:`)));
  assert.equal(app.environment.TRACEKIT_API_KEY, undefined, 'no API key is needed for your own collector');
  // The traces pipeline goes from that receiver to Jaeger's OTLP port, and Jaeger accepts OTLP.
  assert.deepEqual(collector.service.pipelines.traces.receivers, ['otlp']);
  const [exporterName] = collector.service.pipelines.traces.exporters;
  const [host, port] = collector.exporters[exporterName].endpoint.split(':');
  assert.ok(compose.services[host], `${host} is a service of the compose file`);
  assert.equal(port, '4317');
  assert.equal(compose.services[host].environment.COLLECTOR_OTLP_ENABLED, 'true');
  // The collector's config file is the one the compose file mounts.
  assert.ok(compose.services['otel-collector'].volumes.some((v) => v.startsWith('./otel-collector.yaml:')));
  // The app listens where the Dockerfile and the compose file say.
  assert.match(dockerfile, /^EXPOSE 3000$/m);
  assert.ok(app.ports.includes('3000:3000'));
});
