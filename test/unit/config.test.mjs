// Unit tests for readConfig: node --import tsx --test test/unit/config.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig, maskApiKey } from '../../agent/config.ts';

const KEY = 'ctxio_0123456789abcdefSECRET';
const MASKED = 'ctxio_****';
const CWD = '/app';

/** readConfig off the disk; `files` maps an absolute path to its text. Checks the key-leak invariant on every call. */
function read(env = {}, files = {}) {
  const result = readConfig(env, {
    cwd: CWD,
    readFile: (path) => (Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined),
  });
  const secrets = [KEY, env.TRACEKIT_API_KEY?.trim(), files[join(CWD, '.env')]?.match(/TRACEKIT_API_KEY=(\S+)/)?.[1]];
  for (const line of [...result.warnings, ...result.infos]) {
    assert.equal(typeof line, 'string');
    assert.ok(!line.includes('\n'), `message spans lines: ${line}`);
    for (const s of secrets) if (s) assert.ok(!line.includes(s), `message leaks the API key: ${line}`);
  }
  return result;
}

function dotenv(text) {
  return { [join(CWD, '.env')]: text };
}

/** Exactly one warning, containing every fragment. */
function assertOneWarning(result, ...fragments) {
  assert.equal(result.warnings.length, 1, `expected one warning, got ${JSON.stringify(result.warnings)}`);
  for (const f of fragments) assert.ok(result.warnings[0].includes(f), `warning ${JSON.stringify(result.warnings[0])} lacks ${JSON.stringify(f)}`);
}

function assertNoWarnings(result) {
  assert.deepEqual(result.warnings, []);
}

describe('defaults', () => {
  test('an empty environment gives the documented defaults', () => {
    const { config, warnings, infos } = read({});
    assert.deepEqual(warnings, []);
    assert.equal(config.enabled, true);
    assert.equal(config.apiKey, undefined);
    assert.equal(config.maskedApiKey, undefined);
    assert.equal(config.serviceName, 'node-app');
    assert.equal(config.serviceVersion, undefined);
    assert.equal(config.environment, undefined);
    assert.deepEqual(config.resourceAttributes, {});
    assert.deepEqual(config.traces, { url: undefined, headers: {}, protocol: 'http/protobuf' });
    assert.equal(config.metricsUrl, undefined);
    assert.deepEqual(config.metricsHeaders, {});
    assert.equal(config.baseUrl, undefined);
    assert.equal(config.endpointIsTraceKit, true);
    assert.deepEqual(config.sampler, { type: 'parentbased_always_on', ratio: 1 });
    assert.equal(config.serviceNameMappings.size, 0);
    assert.equal(config.autoInstrumentHttpClient, true);
    assert.deepEqual(config.ignorePaths, []);
    assert.equal(config.isIgnoredPath('/health'), false);
    assert.equal(config.disabledInstrumentations.size, 0);
    assert.equal(config.debug, false);
    assert.deepEqual(config.localUi, { enabled: false, url: 'http://localhost:9999', probeIntervalMs: 30000 });
    assert.deepEqual(config.export, { scheduleDelayMs: 1000, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMs: 10000 });
    assert.equal(infos.length, 1);
  });

  test('the config is deeply frozen', () => {
    const { config } = read({ TRACEKIT_API_KEY: KEY, OTEL_RESOURCE_ATTRIBUTES: 'a=b', TRACEKIT_IGNORE_PATHS: '/x' });
    for (const o of [config, config.traces, config.traces.headers, config.metricsHeaders, config.sampler, config.localUi, config.export, config.ignorePaths, config.resourceAttributes]) {
      assert.ok(Object.isFrozen(o));
    }
    assert.throws(() => {
      config.serviceName = 'x';
    }, TypeError);
    assert.throws(() => {
      config.traces.headers['X-API-Key'] = 'other';
    }, TypeError);
  });

  test('neither the passed env nor process.env is modified', () => {
    const env = Object.freeze({ NODE_ENV: 'development' });
    const before = process.env.TRACEKIT_SERVICE_NAME;
    const { config } = read(env, dotenv('TRACEKIT_SERVICE_NAME=from-file\n'));
    assert.equal(config.serviceName, 'from-file');
    assert.deepEqual(env, { NODE_ENV: 'development' });
    assert.equal(process.env.TRACEKIT_SERVICE_NAME, before);
  });

  test('values are trimmed and an empty or blank value counts as unset', () => {
    assert.equal(read({ TRACEKIT_SERVICE_NAME: '  shop  ' }).config.serviceName, 'shop');
    for (const blank of ['', '   ', '\t']) {
      const r = read({ TRACEKIT_SERVICE_NAME: blank, TRACEKIT_SAMPLE_RATE: blank, TRACEKIT_DEBUG: blank, OTEL_SERVICE_NAME: 'otel-name' });
      assertNoWarnings(r);
      assert.equal(r.config.serviceName, 'otel-name');
      assert.deepEqual(r.config.sampler, { type: 'parentbased_always_on', ratio: 1 });
    }
  });
});

describe('booleans', () => {
  const cases = [
    ['TRACEKIT_DEBUG', (c) => c.debug, false],
    ['TRACEKIT_AUTO_INSTRUMENT_HTTP_CLIENT', (c) => c.autoInstrumentHttpClient, true],
    ['TRACEKIT_ENABLED', (c) => c.enabled, true],
  ];
  for (const [name, pick, fallback] of cases) {
    test(`${name} accepts true/false/1/0/yes/no/on/off in any case`, () => {
      for (const word of ['true', 'TRUE', '1', 'yes', 'Yes', 'on', ' ON ']) assert.equal(pick(read({ [name]: word }).config), true, word);
      for (const word of ['false', 'False', '0', 'no', 'NO', 'off', 'Off']) assert.equal(pick(read({ [name]: word }).config), false, word);
    });
    test(`${name} with a bad value: one warning, default ${fallback}`, () => {
      for (const bad of ['maybe', 'y', '2', 'enabled']) {
        const r = read({ [name]: bad });
        assertOneWarning(r, name, JSON.stringify(bad), `default ${fallback}`);
        assert.equal(pick(r.config), fallback);
      }
    });
  }

  test('TRACEKIT_ALLOW_INSECURE_HTTP with a bad value: one warning, default false', () => {
    const r = read({ TRACEKIT_ALLOW_INSECURE_HTTP: 'please' });
    assertOneWarning(r, 'TRACEKIT_ALLOW_INSECURE_HTTP', '"please"', 'default false');
  });
});

describe('enabled', () => {
  test('TRACEKIT_ENABLED=false disables, with one info line and no endpoint notices', () => {
    const r = read({ TRACEKIT_ENABLED: 'false' });
    assert.equal(r.config.enabled, false);
    assert.deepEqual(r.infos, ['disabled by TRACEKIT_ENABLED=false']);
  });
  test('OTEL_SDK_DISABLED=true is the fallback', () => {
    assert.equal(read({ OTEL_SDK_DISABLED: 'true' }).config.enabled, false);
    assert.equal(read({ OTEL_SDK_DISABLED: 'false' }).config.enabled, true);
  });
  test('TRACEKIT_ENABLED beats OTEL_SDK_DISABLED', () => {
    assert.equal(read({ TRACEKIT_ENABLED: 'true', OTEL_SDK_DISABLED: 'true' }).config.enabled, true);
    assert.equal(read({ TRACEKIT_ENABLED: 'false', OTEL_SDK_DISABLED: 'false' }).config.enabled, false);
  });
  test('OTEL_SDK_DISABLED with a bad value: one warning, stays enabled', () => {
    const r = read({ OTEL_SDK_DISABLED: 'yep!' });
    assertOneWarning(r, 'OTEL_SDK_DISABLED', '"yep!"', 'default false');
    assert.equal(r.config.enabled, true);
  });
  test('disabled: the insecure-http refusal is not announced', () => {
    const r = read({ TRACEKIT_ENABLED: 'off', TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: 'http://10.0.0.1' });
    assertNoWarnings(r);
  });
});

describe('API key and masking', () => {
  test('TRACEKIT_API_KEY: header, masked form, TraceKit URLs', () => {
    const r = read({ TRACEKIT_API_KEY: KEY });
    assertNoWarnings(r);
    assert.deepEqual(r.infos, []);
    assert.equal(r.config.apiKey, KEY);
    assert.equal(r.config.maskedApiKey, MASKED);
    assert.deepEqual(r.config.traces.headers, { 'X-API-Key': KEY });
    assert.deepEqual(r.config.metricsHeaders, { 'X-API-Key': KEY });
    assert.equal(r.config.traces.url, 'https://app.tracekit.dev/v1/traces');
    assert.equal(r.config.metricsUrl, 'https://app.tracekit.dev/v1/metrics');
    assert.equal(r.config.baseUrl, 'https://app.tracekit.dev');
  });

  test('maskApiKey keeps a short prefix up to the first underscore', () => {
    assert.equal(maskApiKey(KEY), 'ctxio_****');
    assert.equal(maskApiKey('ctxio_abcdef'), 'ctxio_****');
    assert.equal(maskApiKey('abcdef0123456789'), '****');
    assert.equal(maskApiKey('averyveryverylongprefix_abc'), '****');
    assert.equal(maskApiKey('ab_c'), '****', 'a prefix as long as the rest is not kept');
  });

  test('an x-api-key entry of the OTLP headers is the fallback key, sent once as X-API-Key', () => {
    const r = read({ OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${KEY},x-team=a` });
    assert.equal(r.config.apiKey, KEY);
    assert.deepEqual(r.config.traces.headers, { 'x-team': 'a', 'X-API-Key': KEY });
    assert.equal(r.config.traces.url, 'https://app.tracekit.dev/v1/traces');
    const t = read({ OTEL_EXPORTER_OTLP_HEADERS: 'X-Api-Key=ctxio_generic0000000', OTEL_EXPORTER_OTLP_TRACES_HEADERS: `x-api-key=${KEY}` });
    assert.equal(t.config.apiKey, KEY);
  });

  test('TRACEKIT_API_KEY beats an x-api-key header', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_HEADERS: 'X-API-KEY=ctxio_other0000000000' });
    assert.equal(r.config.apiKey, KEY);
    assert.deepEqual(r.config.traces.headers, { 'X-API-Key': KEY });
  });

  test('a key with a line break or space is refused with one warning that does not show it', () => {
    for (const bad of [`${KEY}\nX-Evil: 1`, `ctxio_abc def0123456789`]) {
      const r = read({ TRACEKIT_API_KEY: bad });
      assertOneWarning(r, 'TRACEKIT_API_KEY');
      assert.ok(!r.warnings[0].includes('def0123456789'));
      assert.equal(r.config.apiKey, undefined);
      assert.equal(r.config.traces.url, undefined);
    }
  });

  test('no warning or info line ever contains the raw key, wherever it was pasted', () => {
    const r = read({
      TRACEKIT_API_KEY: KEY,
      TRACEKIT_ENDPOINT: 'http://203.0.113.9:8080',
      TRACEKIT_SAMPLE_RATE: KEY,
      TRACEKIT_DEBUG: KEY,
      TRACEKIT_SERVICE_NAME_MAPPINGS: KEY,
      TRACEKIT_DISABLED_INSTRUMENTATIONS: KEY,
      TRACEKIT_LOCAL_UI_URL: KEY,
      OTEL_BSP_MAX_QUEUE_SIZE: KEY,
      OTEL_RESOURCE_ATTRIBUTES: KEY,
      TRACEKIT_PROTOCOL: KEY,
    });
    assert.equal(r.warnings.length, 9);
    assert.ok(r.warnings.every((w) => w.includes(MASKED)), JSON.stringify(r.warnings));
  });

  test('a key in an endpoint URL is scrubbed from the message too', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `collector/${KEY}` });
    assertOneWarning(r, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', MASKED);
  });

  test('credentials in an endpoint are not echoed in messages', () => {
    const r = read({ TRACEKIT_ENDPOINT: 'ftp://user:hunter2@host' });
    assertOneWarning(r, 'TRACEKIT_ENDPOINT', 'are off');
    assert.ok(!r.warnings[0].includes('hunter2'));
  });
});

describe('endpoint resolution (protocol §1)', () => {
  // [TRACEKIT_ENDPOINT, traces, metrics, base]; a key is set and every host is https or loopback.
  const table = [
    ['app.tracekit.dev', 'https://app.tracekit.dev/v1/traces', 'https://app.tracekit.dev/v1/metrics', 'https://app.tracekit.dev'],
    // 1. no scheme → https://, then the signal path
    ['collector.example.com:4318', 'https://collector.example.com:4318/v1/traces', 'https://collector.example.com:4318/v1/metrics', 'https://collector.example.com:4318'],
    // 2. scheme, no path
    ['https://tk.example.com', 'https://tk.example.com/v1/traces', 'https://tk.example.com/v1/metrics', 'https://tk.example.com'],
    ['https://tk.example.com/', 'https://tk.example.com/v1/traces', 'https://tk.example.com/v1/metrics', 'https://tk.example.com'],
    ['http://localhost:8081', 'http://localhost:8081/v1/traces', 'http://localhost:8081/v1/metrics', 'http://localhost:8081'],
    // 3. a path with a signal path → scheme://host[:port] + the right signal path
    ['https://tk.example.com:4318/v1/traces', 'https://tk.example.com:4318/v1/traces', 'https://tk.example.com:4318/v1/metrics', 'https://tk.example.com:4318'],
    ['https://tk.example.com/v1/metrics', 'https://tk.example.com/v1/traces', 'https://tk.example.com/v1/metrics', 'https://tk.example.com'],
    ['https://tk.example.com/api/v1/traces', 'https://tk.example.com/v1/traces', 'https://tk.example.com/v1/metrics', 'https://tk.example.com'],
    ['https://tk.example.com/api/v1/metrics', 'https://tk.example.com/v1/traces', 'https://tk.example.com/v1/metrics', 'https://tk.example.com'],
    ['http://127.0.0.1:4318/v1/traces', 'http://127.0.0.1:4318/v1/traces', 'http://127.0.0.1:4318/v1/metrics', 'http://127.0.0.1:4318'],
    // 4. any other path is kept
    ['https://tk.example.com/custom', 'https://tk.example.com/custom/v1/traces', 'https://tk.example.com/custom/v1/metrics', 'https://tk.example.com/custom'],
    ['https://tk.example.com/custom/', 'https://tk.example.com/custom/v1/traces', 'https://tk.example.com/custom/v1/metrics', 'https://tk.example.com/custom'],
    ['tk.example.com/custom', 'https://tk.example.com/custom/v1/traces', 'https://tk.example.com/custom/v1/metrics', 'https://tk.example.com/custom'],
  ];
  for (const [endpoint, traces, metrics, base] of table) {
    test(`TRACEKIT_ENDPOINT=${endpoint}`, () => {
      const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: endpoint });
      assertNoWarnings(r);
      assert.equal(r.config.traces.url, traces);
      assert.equal(r.config.metricsUrl, metrics);
      assert.equal(r.config.baseUrl, base);
    });
  }

  test('a traces URL http://h:4318/v1/traces gives metrics at http://h:4318/v1/metrics', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: 'http://h:4318/v1/traces', TRACEKIT_ALLOW_INSECURE_HTTP: 'true' });
    assert.equal(r.config.traces.url, 'http://h:4318/v1/traces');
    assert.equal(r.config.metricsUrl, 'http://h:4318/v1/metrics');
    assert.equal(r.config.baseUrl, 'http://h:4318');
    const c = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: 'http://h/custom', TRACEKIT_ALLOW_INSECURE_HTTP: 'true' });
    assert.equal(c.config.traces.url, 'http://h/custom/v1/traces');
    assert.equal(c.config.baseUrl, 'http://h/custom');
  });

  test('OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/<signal> appended (OTel spec)', () => {
    for (const [endpoint, prefix] of [
      ['http://collector:4318', 'http://collector:4318'],
      ['http://collector:4318/', 'http://collector:4318'],
      ['http://collector:4318/otlp', 'http://collector:4318/otlp'],
    ]) {
      const r = read({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      assertNoWarnings(r);
      assert.equal(r.config.traces.url, `${prefix}/v1/traces`);
      assert.equal(r.config.metricsUrl, `${prefix}/v1/metrics`);
      assert.equal(r.config.endpointIsTraceKit, false);
    }
  });

  test('signal-specific OTel endpoints are used as-is', () => {
    const r = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/spans',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:4318/m',
    });
    assert.equal(r.config.traces.url, 'http://traces:4318/custom/spans');
    assert.equal(r.config.metricsUrl, 'http://metrics:4318/m');
    const only = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/t' });
    assert.equal(only.config.traces.url, 'http://traces:4318/t');
    assert.equal(only.config.metricsUrl, 'http://generic:4318/v1/metrics');
  });

  test('a signal-specific endpoint alone leaves the other signal on the default', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/v1/traces' });
    assert.equal(r.config.traces.url, 'https://traces.example.com/v1/traces');
    assert.equal(r.config.metricsUrl, 'https://app.tracekit.dev/v1/metrics');
    assert.equal(r.config.baseUrl, 'https://app.tracekit.dev');
  });

  test('TRACEKIT_ENDPOINT beats every OTEL_EXPORTER_OTLP_*_ENDPOINT', () => {
    const r = read({
      TRACEKIT_API_KEY: KEY,
      TRACEKIT_ENDPOINT: 'https://tk.example.com',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://generic.example.com',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/x',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://metrics.example.com/x',
    });
    assert.equal(r.config.traces.url, 'https://tk.example.com/v1/traces');
    assert.equal(r.config.metricsUrl, 'https://tk.example.com/v1/metrics');
    assert.equal(r.config.baseUrl, 'https://tk.example.com');
  });

  test('the base URL follows OTEL_EXPORTER_OTLP_ENDPOINT (§1 base rule), not a signal-specific variable', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://tk.example.com/v1/traces', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x.example.com/t' });
    assert.equal(r.config.baseUrl, 'https://tk.example.com');
  });

  test('endpointIsTraceKit', () => {
    assert.equal(read({ TRACEKIT_ENDPOINT: 'https://eu.tracekit.dev' }).config.endpointIsTraceKit, true);
    assert.equal(read({ TRACEKIT_ENDPOINT: 'tracekit.dev' }).config.endpointIsTraceKit, true);
    assert.equal(read({ TRACEKIT_ENDPOINT: 'https://tracekit.dev.evil.example' }).config.endpointIsTraceKit, false);
    assert.equal(read({ TRACEKIT_ENDPOINT: 'https://nottracekit.dev' }).config.endpointIsTraceKit, false);
  });

  // [variable, value, what it turns off]: an invalid endpoint never falls back to the TraceKit cloud (the data and
  // the key would go where the user never pointed them), nor to the next variable.
  const invalid = [
    ['TRACEKIT_ENDPOINT', 'ftp://files.example.com', ['traces', 'metrics', 'base']],
    ['TRACEKIT_ENDPOINT', 'http://', ['traces', 'metrics', 'base']],
    ['TRACEKIT_ENDPOINT', 'https://exa mple.com', ['traces', 'metrics', 'base']],
    ['TRACEKIT_ENDPOINT', `https://${'a'.repeat(2100)}.example.com`, ['traces', 'metrics', 'base']],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', ['traces', 'metrics', 'base']],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'collector.example.com/v1/traces', ['traces']],
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'grpc://collector:4317', ['metrics']],
  ];
  const urlsOf = (config) => ({ traces: config.traces.url, metrics: config.metricsUrl, base: config.baseUrl });
  for (const [name, value, off] of invalid) {
    test(`${name}=${value.slice(0, 40)}: one warning, ${off.join(', ')} off, nothing redirected`, () => {
      const r = read({ TRACEKIT_API_KEY: KEY, [name]: value });
      assertOneWarning(r, name, 'off (nothing is sent anywhere else)');
      const urls = urlsOf(r.config);
      for (const what of ['traces', 'metrics', 'base']) {
        if (off.includes(what)) assert.equal(urls[what], undefined, what);
        else assert.match(urls[what], /^https:\/\/app\.tracekit\.dev/, what);
      }
    });
  }

  test('an invalid signal endpoint does not fall back to OTEL_EXPORTER_OTLP_ENDPOINT either', () => {
    const r = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'nope' });
    assert.equal(r.config.traces.url, undefined);
    assert.equal(r.config.metricsUrl, 'http://collector:4318/v1/metrics');
  });

  test('an invalid OTEL_EXPORTER_OTLP_ENDPOINT is warned about once although three URLs derive from it', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' });
    assert.equal(r.warnings.length, 1);
    assert.equal(r.config.baseUrl, undefined);
  });

  test('the API key pasted into TRACEKIT_ENDPOINT is never used as a host name', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: KEY });
    assertOneWarning(r, 'TRACEKIT_ENDPOINT', 'holds the API key', MASKED);
    assert.deepEqual(urlsOf(r.config), { traces: undefined, metrics: undefined, base: undefined });
    assert.ok(!r.warnings[0].includes(KEY));
  });

  test('a loopback host without a scheme means http:// (collectors listen there on plain http); others get https://', () => {
    for (const [endpoint, traces] of [
      ['localhost:4318', 'http://localhost:4318/v1/traces'],
      ['127.0.0.1:4318', 'http://127.0.0.1:4318/v1/traces'],
      ['[::1]:4318', 'http://[::1]:4318/v1/traces'],
      ['collector:4318', 'https://collector:4318/v1/traces'],
    ]) {
      const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: endpoint });
      assertNoWarnings(r);
      assert.equal(r.config.traces.url, traces, endpoint);
    }
  });
});

describe('without an API key', () => {
  test('nothing goes to the TraceKit cloud: URLs undefined, one info line', () => {
    for (const endpoint of [undefined, 'app.tracekit.dev', 'https://eu.tracekit.dev', 'https://tracekit.dev/v1/traces', 'http://APP.TRACEKIT.DEV.']) {
      const r = read(endpoint === undefined ? {} : { TRACEKIT_ENDPOINT: endpoint });
      assertNoWarnings(r);
      assert.equal(r.config.traces.url, undefined, endpoint);
      assert.equal(r.config.metricsUrl, undefined);
      assert.equal(r.config.baseUrl, undefined);
      assert.equal(r.infos.length, 1);
      assert.match(r.infos[0], /no TRACEKIT_API_KEY.*TraceKit cloud/);
      assert.ok(!('X-API-Key' in r.config.traces.headers));
    }
  });

  test('an explicit other endpoint (an OTel collector) still gets spans, without a key header', () => {
    const r = read({ TRACEKIT_ENDPOINT: 'http://otel-collector:4318' });
    assertNoWarnings(r);
    assert.equal(r.config.traces.url, 'http://otel-collector:4318/v1/traces');
    assert.equal(r.config.metricsUrl, 'http://otel-collector:4318/v1/metrics');
    assert.deepEqual(r.config.traces.headers, {});
    assert.equal(r.config.baseUrl, undefined, 'code monitoring needs a key');
    assert.equal(r.infos.length, 1);
    assert.match(r.infos[0], /code monitoring/);
  });

  test('traces to a collector, metrics left on the default: only metrics are held back', () => {
    const r = read({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' });
    assert.equal(r.config.traces.url, 'http://collector:4318/v1/traces');
    assert.equal(r.config.metricsUrl, undefined);
    assert.match(r.infos[0], /off: metrics, code monitoring/);
  });
});

describe('API key over plain http', () => {
  test('refused to a non-loopback host: one warning, URLs undefined', () => {
    for (const endpoint of ['http://10.1.2.3:4318', 'http://backend.internal', 'http://app.tracekit.dev', 'http://0.0.0.0:4318']) {
      const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: endpoint });
      assertOneWarning(r, 'TRACEKIT_ALLOW_INSECURE_HTTP', MASKED, 'refusing');
      assert.equal(r.config.traces.url, undefined, endpoint);
      assert.equal(r.config.metricsUrl, undefined);
      assert.equal(r.config.baseUrl, undefined);
    }
  });

  test('the refusal covers OTEL_* endpoints too, per URL', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' });
    assertOneWarning(r, 'http://collector:4318 (traces)');
    assert.equal(r.config.traces.url, undefined);
    assert.equal(r.config.metricsUrl, 'https://app.tracekit.dev/v1/metrics');
  });

  test('TRACEKIT_ALLOW_INSECURE_HTTP=true sends it, with one warning at start', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: 'http://10.1.2.3:4318', TRACEKIT_ALLOW_INSECURE_HTTP: 'true' });
    assertOneWarning(r, 'TRACEKIT_ALLOW_INSECURE_HTTP=true', 'plain http', 'http://10.1.2.3:4318', MASKED);
    assert.equal(r.config.traces.url, 'http://10.1.2.3:4318/v1/traces');
    assert.equal(r.config.metricsUrl, 'http://10.1.2.3:4318/v1/metrics');
    assert.equal(r.config.baseUrl, 'http://10.1.2.3:4318');
  });

  test('loopback hosts are fine over http', () => {
    for (const endpoint of ['http://localhost:8081', 'http://127.0.0.1:8081', 'http://127.1:8081', 'http://[::1]:8081', 'http://api.localhost', 'http://[::ffff:127.0.0.1]:80']) {
      const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: endpoint });
      assertNoWarnings(r);
      assert.ok(r.config.traces.url.startsWith('http://'), endpoint);
    }
  });

  test('the opt-in is silent when nothing insecure happens', () => {
    assertNoWarnings(read({ TRACEKIT_ALLOW_INSECURE_HTTP: 'true', TRACEKIT_ENDPOINT: 'http://10.1.2.3' }));
    assertNoWarnings(read({ TRACEKIT_API_KEY: KEY, TRACEKIT_ALLOW_INSECURE_HTTP: 'true' }));
  });

  test('without a key, plain http to a collector is no concern', () => {
    const r = read({ TRACEKIT_ENDPOINT: 'http://10.1.2.3:4318' });
    assertNoWarnings(r);
    assert.equal(r.config.traces.url, 'http://10.1.2.3:4318/v1/traces');
  });
});

describe('OTLP headers', () => {
  test('k=v, comma-separated, percent-decoded, trimmed', () => {
    const r = read({ OTEL_EXPORTER_OTLP_HEADERS: ' Authorization = Basic%20dXNlcjpwdw== , x-tenant=a%2Cb ' });
    assertNoWarnings(r);
    assert.deepEqual(r.config.traces.headers, { Authorization: 'Basic dXNlcjpwdw==', 'x-tenant': 'a,b' });
    assert.deepEqual(r.config.metricsHeaders, r.config.traces.headers);
  });

  test('signal-specific headers override the generic ones, name case-insensitively', () => {
    const r = read({
      OTEL_EXPORTER_OTLP_HEADERS: 'X-Tenant=generic,x-common=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=metrics',
    });
    assert.deepEqual(r.config.traces.headers, { 'x-tenant': 'traces', 'x-common': '1' });
    assert.deepEqual(r.config.metricsHeaders, { 'x-tenant': 'metrics', 'x-common': '1' });
  });

  test('each bad entry: one warning that does not echo it', () => {
    const r = read({ OTEL_EXPORTER_OTLP_HEADERS: 'good=1,supersecrettoken,bad%zz=1,x-inj=a%0D%0AEvil:%201,bad header=2' });
    assert.equal(r.warnings.length, 4, JSON.stringify(r.warnings));
    for (const w of r.warnings) {
      assert.ok(w.startsWith('OTEL_EXPORTER_OTLP_HEADERS entry #'));
      assert.ok(!w.includes('supersecrettoken') && !w.includes('Evil'));
    }
    assert.deepEqual(r.config.traces.headers, { good: '1' });
  });
});

describe('protocol', () => {
  test('default http/protobuf; precedence TRACEKIT_PROTOCOL > OTEL_..._TRACES_PROTOCOL > OTEL_EXPORTER_OTLP_PROTOCOL', () => {
    assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).config.traces.protocol, 'http/json');
    assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).config.traces.protocol, 'http/protobuf');
    assert.equal(read({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', TRACEKIT_PROTOCOL: 'HTTP/JSON' }).config.traces.protocol, 'http/json');
  });
  test('grpc: one warning, default', () => {
    const r = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    assertOneWarning(r, 'OTEL_EXPORTER_OTLP_PROTOCOL', '"grpc"', 'not supported', 'default http/protobuf');
    assert.equal(r.config.traces.protocol, 'http/protobuf');
  });
  test('an unknown protocol: one warning, default', () => {
    const r = read({ TRACEKIT_PROTOCOL: 'json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    assertOneWarning(r, 'TRACEKIT_PROTOCOL', '"json"', 'default http/protobuf');
    assert.equal(r.config.traces.protocol, 'http/protobuf');
  });
});

describe('service name, version, environment, resource attributes', () => {
  const pkg = (o) => ({ [join(CWD, 'package.json')]: JSON.stringify(o) });

  test('service name precedence', () => {
    const files = pkg({ name: '@acme/api', version: '2.3.4' });
    const all = { TRACEKIT_SERVICE_NAME: 'tk', OTEL_SERVICE_NAME: 'otel', OTEL_RESOURCE_ATTRIBUTES: 'service.name=res' };
    assert.equal(read(all, files).config.serviceName, 'tk');
    assert.equal(read({ ...all, TRACEKIT_SERVICE_NAME: undefined }, files).config.serviceName, 'otel');
    assert.equal(read({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=res' }, files).config.serviceName, 'res');
    assert.equal(read({}, files).config.serviceName, '@acme/api', 'npm scope kept');
    assert.equal(read({}).config.serviceName, 'node-app');
  });

  test('package.json is read from cwd; a broken one falls back to node-app silently', () => {
    const seen = [];
    readConfig({}, { cwd: '/srv/app', readFile: (p) => (seen.push(p), undefined) });
    assert.deepEqual(seen.sort(), ['/srv/app/.env', '/srv/app/package.json']);
    for (const text of ['{not json', '[]', 'null', '{"name": 42}', '{"name": "  "}']) {
      const r = read({}, { [join(CWD, 'package.json')]: text });
      assertNoWarnings(r);
      assert.equal(r.config.serviceName, 'node-app');
    }
  });

  test('package.json is not read when the name is configured', () => {
    const seen = [];
    readConfig({ TRACEKIT_SERVICE_NAME: 'x' }, { cwd: CWD, readFile: (p) => (seen.push(p), undefined) });
    assert.deepEqual(seen, [join(CWD, '.env')]);
  });

  test('service version precedence; package.json version only together with its name', () => {
    const files = pkg({ name: 'api', version: '2.3.4' });
    assert.equal(read({ TRACEKIT_SERVICE_VERSION: '9', OTEL_RESOURCE_ATTRIBUTES: 'service.version=8' }, files).config.serviceVersion, '9');
    assert.equal(read({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=8' }, files).config.serviceVersion, '8');
    assert.equal(read({}, files).config.serviceVersion, '2.3.4');
    assert.equal(read({ TRACEKIT_SERVICE_NAME: 'payments' }, files).config.serviceVersion, undefined);
  });

  test('environment precedence', () => {
    const all = {
      TRACEKIT_ENVIRONMENT: 'tk',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=res-new,deployment.environment=res-old',
      ENV: 'env',
      NODE_ENV: 'node',
    };
    assert.equal(read(all).config.environment, 'tk');
    assert.equal(read({ ...all, TRACEKIT_ENVIRONMENT: undefined }).config.environment, 'res-new');
    assert.equal(read({ ENV: 'env', NODE_ENV: 'node', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=res-old' }).config.environment, 'res-old');
    assert.equal(read({ ENV: 'env', NODE_ENV: 'node' }).config.environment, 'env');
    assert.equal(read({ NODE_ENV: 'node' }).config.environment, 'node');
  });

  test('OTEL_RESOURCE_ATTRIBUTES: percent-decoded, trimmed', () => {
    const r = read({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=shop, team = a%2Cb%3Dc ,empty=,k%20x=%E2%9C%93' });
    assertNoWarnings(r);
    assert.deepEqual(r.config.resourceAttributes, { 'service.namespace': 'shop', team: 'a,b=c', empty: '', 'k x': '✓' });
  });

  test('OTEL_RESOURCE_ATTRIBUTES: one warning per invalid entry, the rest kept', () => {
    const r = read({ OTEL_RESOURCE_ATTRIBUTES: 'ok=1,noequals,=v,a=b=c,x=%zz' });
    assert.equal(r.warnings.length, 4, JSON.stringify(r.warnings));
    for (const [w, entry] of r.warnings.map((w, i) => [w, ['noequals', '=v', 'a=b=c', 'x=%zz'][i]])) {
      assert.ok(w.includes('OTEL_RESOURCE_ATTRIBUTES') && w.includes(JSON.stringify(entry)), w);
    }
    assert.deepEqual(r.config.resourceAttributes, { ok: '1' });
  });
});

describe('sampler', () => {
  test('TRACEKIT_SAMPLE_RATE → parentbased_traceidratio', () => {
    for (const [v, ratio] of [['0.25', 0.25], ['0', 0], ['1', 1], ['.5', 0.5], ['1.0', 1]]) {
      const r = read({ TRACEKIT_SAMPLE_RATE: v });
      assertNoWarnings(r);
      assert.deepEqual(r.config.sampler, { type: 'parentbased_traceidratio', ratio });
    }
  });

  for (const bad of ['abc', '2', '-1', '50%', '1.5', '0x1', '1e-1', 'Infinity', 'NaN', '0,5']) {
    test(`TRACEKIT_SAMPLE_RATE=${bad}: one warning, default sampler`, () => {
      const r = read({ TRACEKIT_SAMPLE_RATE: bad });
      assertOneWarning(r, 'TRACEKIT_SAMPLE_RATE', JSON.stringify(bad), 'default sampler parentbased_always_on');
      assert.deepEqual(r.config.sampler, { type: 'parentbased_always_on', ratio: 1 });
    });
  }

  test('TRACEKIT_SAMPLE_RATE beats OTEL_TRACES_SAMPLER', () => {
    const r = read({ TRACEKIT_SAMPLE_RATE: '0.1', OTEL_TRACES_SAMPLER: 'always_off' });
    assert.deepEqual(r.config.sampler, { type: 'parentbased_traceidratio', ratio: 0.1 });
  });

  test('OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG', () => {
    const s = (env) => read(env).config.sampler;
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'always_on' }), { type: 'always_on', ratio: 1 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'always_off' }), { type: 'always_off', ratio: 0 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }), { type: 'parentbased_always_off', ratio: 0 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'PARENTBASED_ALWAYS_ON' }), { type: 'parentbased_always_on', ratio: 1 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.3' }), { type: 'traceidratio', ratio: 0.3 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' }), { type: 'parentbased_traceidratio', ratio: 1 });
    assert.deepEqual(s({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'ignored' }), { type: 'always_on', ratio: 1 });
  });

  test('OTEL_TRACES_SAMPLER_ARG invalid: one warning, ratio 1, sampler kept', () => {
    const r = read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' });
    assertOneWarning(r, 'OTEL_TRACES_SAMPLER_ARG', '"2"', 'default ratio 1');
    assert.deepEqual(r.config.sampler, { type: 'traceidratio', ratio: 1 });
  });

  test('unknown OTEL_TRACES_SAMPLER: one warning, default', () => {
    for (const name of ['jaeger_remote', 'xray', 'sometimes']) {
      const r = read({ OTEL_TRACES_SAMPLER: name });
      assertOneWarning(r, 'OTEL_TRACES_SAMPLER', JSON.stringify(name), 'default parentbased_always_on');
      assert.deepEqual(r.config.sampler, { type: 'parentbased_always_on', ratio: 1 });
    }
  });
});

describe('TRACEKIT_SERVICE_NAME_MAPPINGS', () => {
  test('parsed, keys lower-cased', () => {
    const r = read({ TRACEKIT_SERVICE_NAME_MAPPINGS: 'localhost:8082=payment-service, User-API = users ,' });
    assertNoWarnings(r);
    assert.deepEqual([...r.config.serviceNameMappings], [['localhost:8082', 'payment-service'], ['user-api', 'users']]);
  });
  test('each entry without = or with an empty side: one warning naming it, skipped', () => {
    const r = read({ TRACEKIT_SERVICE_NAME_MAPPINGS: 'ok=svc,justhost,=svc,host=' });
    assert.equal(r.warnings.length, 3);
    ['"justhost"', '"=svc"', '"host="'].forEach((entry, i) => {
      assert.ok(r.warnings[i].startsWith('TRACEKIT_SERVICE_NAME_MAPPINGS') && r.warnings[i].includes(entry), r.warnings[i]);
    });
    assert.deepEqual([...r.config.serviceNameMappings], [['ok', 'svc']]);
  });
});

describe('instrumentations', () => {
  test('TRACEKIT_DISABLED_INSTRUMENTATIONS, lower-cased', () => {
    const r = read({ TRACEKIT_DISABLED_INSTRUMENTATIONS: 'HTTP, express ,fastify,fetch,https,http-client' });
    assertNoWarnings(r);
    assert.deepEqual([...r.config.disabledInstrumentations].sort(), ['express', 'fastify', 'fetch', 'http', 'http-client', 'https']);
  });
  test('unknown names: one warning listing them and the known ones', () => {
    const r = read({ TRACEKIT_DISABLED_INSTRUMENTATIONS: 'mysql,express,sails' });
    assertOneWarning(r, 'TRACEKIT_DISABLED_INSTRUMENTATIONS', '"mysql"', '"sails"', 'http, https, http-client, fetch, express, fastify, koa, hapi, nestjs');
    assert.deepEqual([...r.config.disabledInstrumentations], ['express']);
  });
  test('TRACEKIT_AUTO_INSTRUMENT_HTTP_CLIENT=false also disables http-client and fetch', () => {
    const r = read({ TRACEKIT_AUTO_INSTRUMENT_HTTP_CLIENT: 'false' });
    assert.equal(r.config.autoInstrumentHttpClient, false);
    assert.deepEqual([...r.config.disabledInstrumentations].sort(), ['fetch', 'http-client']);
  });
});

describe('TRACEKIT_IGNORE_PATHS', () => {
  test('literal and * patterns; the query string is ignored', () => {
    const { config } = read({ TRACEKIT_IGNORE_PATHS: '/health, /metrics*,' });
    assert.deepEqual(config.ignorePaths, ['/health', '/metrics*']);
    for (const p of ['/health', '/health?probe=1', '/health#x', '/metrics', '/metrics/', '/metrics/prom?x=1', '/metricsfoo']) assert.equal(config.isIgnoredPath(p), true, p);
    for (const p of ['/healthz', '/Health', '/api/health', '/', '', '/api/metrics']) assert.equal(config.isIgnoredPath(p), false, p);
  });
  test('? matches exactly one character; * spans slashes', () => {
    const { config } = read({ TRACEKIT_IGNORE_PATHS: '/v?/status,/static/*.css' });
    assert.equal(config.isIgnoredPath('/v1/status'), true);
    assert.equal(config.isIgnoredPath('/v10/status'), false);
    assert.equal(config.isIgnoredPath('/v/status'), false);
    assert.equal(config.isIgnoredPath('/static/a/b/c.css'), true);
    assert.equal(config.isIgnoredPath('/static/a.js'), false);
  });
  test('regular-expression characters are literal', () => {
    const { config } = read({ TRACEKIT_IGNORE_PATHS: '/a.b*,/(x)+[y]$,/c|d' });
    assert.equal(config.isIgnoredPath('/a.b/c'), true);
    assert.equal(config.isIgnoredPath('/axb'), false);
    assert.equal(config.isIgnoredPath('/(x)+[y]$'), true);
    assert.equal(config.isIgnoredPath('/x'), false);
    assert.equal(config.isIgnoredPath('/c|d'), true);
    assert.equal(config.isIgnoredPath('/c'), false);
  });
  test('only wildcards, or none at all', () => {
    assert.equal(read({ TRACEKIT_IGNORE_PATHS: '*' }).config.isIgnoredPath('/anything'), true);
    const none = read({ TRACEKIT_IGNORE_PATHS: ' , ' }).config;
    assert.deepEqual(none.ignorePaths, []);
    assert.equal(none.isIgnoredPath('/health'), false);
  });
});

describe('Local UI', () => {
  test('on when ENV or NODE_ENV is development', () => {
    assert.equal(read({ NODE_ENV: 'development' }).config.localUi.enabled, true);
    assert.equal(read({ ENV: 'development' }).config.localUi.enabled, true);
    assert.equal(read({ ENV: 'development', NODE_ENV: 'production' }).config.localUi.enabled, true);
    assert.equal(read({ NODE_ENV: 'production' }).config.localUi.enabled, false);
    assert.equal(read({ TRACEKIT_ENVIRONMENT: 'development' }).config.localUi.enabled, false);
  });
  test('TRACEKIT_LOCAL_UI forces it off (or on)', () => {
    assert.equal(read({ NODE_ENV: 'development', TRACEKIT_LOCAL_UI: 'false' }).config.localUi.enabled, false);
    assert.equal(read({ NODE_ENV: 'production', TRACEKIT_LOCAL_UI: 'true' }).config.localUi.enabled, true);
    const r = read({ NODE_ENV: 'development', TRACEKIT_LOCAL_UI: 'auto' });
    assertOneWarning(r, 'TRACEKIT_LOCAL_UI', '"auto"', 'default');
    assert.equal(r.config.localUi.enabled, true);
  });
  test('TRACEKIT_LOCAL_UI_URL and TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS', () => {
    const r = read({ TRACEKIT_LOCAL_UI_URL: 'http://127.0.0.1:9000/', TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '50' });
    assertNoWarnings(r);
    assert.equal(r.config.localUi.url, 'http://127.0.0.1:9000');
    assert.equal(r.config.localUi.probeIntervalMs, 50);
  });
  test('bad Local UI values: one warning each, defaults', () => {
    const u = read({ TRACEKIT_LOCAL_UI_URL: 'localhost:9999' });
    assertOneWarning(u, 'TRACEKIT_LOCAL_UI_URL', '"localhost:9999"', 'default http://localhost:9999');
    assert.equal(u.config.localUi.url, 'http://localhost:9999');
    const p = read({ TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '0' });
    assertOneWarning(p, 'TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS', '"0"', 'default 30000');
    assert.equal(p.config.localUi.probeIntervalMs, 30000);
  });
});

describe('batch export (OTEL_BSP_*)', () => {
  test('overrides', () => {
    const r = read({ OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50', OTEL_BSP_EXPORT_TIMEOUT: '3000' });
    assertNoWarnings(r);
    assert.deepEqual(r.config.export, { scheduleDelayMs: 200, maxQueueSize: 100, maxExportBatchSize: 50, exportTimeoutMs: 3000 });
  });
  const defaults = { OTEL_BSP_SCHEDULE_DELAY: 1000, OTEL_BSP_MAX_QUEUE_SIZE: 2048, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 512, OTEL_BSP_EXPORT_TIMEOUT: 10000 };
  for (const [name, fallback] of Object.entries(defaults)) {
    for (const bad of ['0', '-5', '1.5', 'abc', '1e3', '99999999999']) {
      test(`${name}=${bad}: one warning, default ${fallback}`, () => {
        const r = read({ [name]: bad });
        assertOneWarning(r, name, JSON.stringify(bad), `default ${fallback}`);
      });
    }
  }
  test('a batch larger than the queue is cut to the queue size (warned only when set)', () => {
    const r = read({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' });
    assertOneWarning(r, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'using 100');
    assert.equal(r.config.export.maxExportBatchSize, 100);
    const q = read({ OTEL_BSP_MAX_QUEUE_SIZE: '100' });
    assertNoWarnings(q);
    assert.equal(q.config.export.maxExportBatchSize, 100);
  });
});

describe('.env', () => {
  test('fills variables the environment leaves unset, never overrides a set one', () => {
    const files = dotenv('# comment\nTRACEKIT_SERVICE_NAME=from-file\nexport TRACEKIT_ENVIRONMENT="staging"\nTRACEKIT_DEBUG=true # inline\nTRACEKIT_SAMPLE_RATE=0.5\n');
    const r = read({ TRACEKIT_SERVICE_NAME: 'from-env', TRACEKIT_SAMPLE_RATE: '' }, files);
    assertNoWarnings(r);
    assert.equal(r.config.serviceName, 'from-env');
    assert.equal(r.config.environment, 'staging');
    assert.equal(r.config.debug, true);
    assert.equal(r.config.sampler.ratio, 0.5, 'an empty env value counts as unset');
  });

  test('TRACEKIT_* in .env beats OTEL_* in the environment', () => {
    const r = read({ OTEL_SERVICE_NAME: 'otel-env', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.com' }, dotenv(`TRACEKIT_SERVICE_NAME=tk-file\nTRACEKIT_ENDPOINT=https://tk.example.com\nTRACEKIT_API_KEY=${KEY}\n`));
    assert.equal(r.config.serviceName, 'tk-file');
    assert.equal(r.config.traces.url, 'https://tk.example.com/v1/traces');
    assert.equal(r.config.apiKey, KEY);
  });

  test('one info line names the variables taken from .env, never their values', () => {
    const r = read({}, dotenv(`TRACEKIT_API_KEY=${KEY}\nNODE_ENV=development\nUNRELATED=1\n`));
    const line = r.infos.find((i) => i.includes('.env'));
    assert.ok(line.includes('NODE_ENV') && line.includes('TRACEKIT_API_KEY') && !line.includes('UNRELATED'), line);
    assert.equal(r.config.localUi.enabled, true);
  });

  test('a bad value from .env is warned about like any other', () => {
    const r = read({}, dotenv('TRACEKIT_SAMPLE_RATE=lots\n'));
    assertOneWarning(r, 'TRACEKIT_SAMPLE_RATE', '"lots"');
  });

  test('an unreadable .env: one warning, the rest still works', () => {
    const r = readConfig({ TRACEKIT_SERVICE_NAME: 'x' }, {
      cwd: CWD,
      readFile: (p) => {
        if (p.endsWith('.env')) throw Object.assign(new Error('denied'), { code: 'EACCES' });
        return undefined;
      },
    });
    assertOneWarning(r, '.env', 'EACCES');
    assert.equal(r.config.serviceName, 'x');
  });

  test('the default file reader: real package.json and .env in cwd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracekit-config-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'disk-app', version: '1.2.3' }));
      writeFileSync(join(dir, '.env'), 'TRACEKIT_DEBUG=yes\n');
      const r = readConfig({}, { cwd: dir });
      assert.equal(r.config.serviceName, 'disk-app');
      assert.equal(r.config.serviceVersion, '1.2.3');
      assert.equal(r.config.debug, true);
      const empty = readConfig({}, { cwd: join(dir, 'missing') });
      assertNoWarnings(empty);
      assert.equal(empty.config.serviceName, 'node-app');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('robustness', () => {
  test('odd values never throw and never forge extra log lines', () => {
    const odd = ['\u0000', 'line1\nline2', '🙂'.repeat(500), '%', '=,=,=', '\\', '"'];
    const names = ['TRACEKIT_ENDPOINT', 'TRACEKIT_SAMPLE_RATE', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_HEADERS', 'TRACEKIT_IGNORE_PATHS', 'TRACEKIT_SERVICE_NAME_MAPPINGS', 'TRACEKIT_LOCAL_UI_URL'];
    for (const value of odd) {
      const env = Object.fromEntries(names.map((n) => [n, value]));
      const r = read(env);
      for (const w of r.warnings) assert.ok(w.length < 600, 'values are cut in messages');
    }
  });

  test('an env object that throws: the agent is disabled with one warning', () => {
    const env = new Proxy({}, { has: () => true, getOwnPropertyDescriptor: () => { throw new Error('boom'); } });
    const r = readConfig(env, { cwd: CWD, readFile: () => undefined });
    assert.equal(r.config.enabled, false);
    assertOneWarning(r, 'disabled');
  });
});

describe('the API key pasted into a resource value, and values too long for a URL or a header', () => {
  for (const name of ['TRACEKIT_SERVICE_NAME', 'TRACEKIT_ENVIRONMENT', 'TRACEKIT_SERVICE_VERSION']) {
    test(`${name} holding the key: one warning, the key masked in the config (so in every span)`, () => {
      const r = read({ TRACEKIT_API_KEY: KEY, [name]: `svc-${KEY}` });
      assertOneWarning(r, name, 'holds the API key');
      const value = { TRACEKIT_SERVICE_NAME: r.config.serviceName, TRACEKIT_ENVIRONMENT: r.config.environment, TRACEKIT_SERVICE_VERSION: r.config.serviceVersion }[name];
      assert.equal(value, `svc-${MASKED}`);
      assert.ok(!JSON.stringify(r.warnings).includes(KEY));
      assert.ok(r.secrets.includes(KEY), 'the log is told what to scrub');
    });
  }

  test('OTEL_RESOURCE_ATTRIBUTES holding the key: masked in that attribute', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, OTEL_RESOURCE_ATTRIBUTES: `team=a,token=${KEY}` });
    assertOneWarning(r, 'OTEL_RESOURCE_ATTRIBUTES entry token', 'holds the API key');
    assert.equal(r.config.resourceAttributes.token, MASKED);
    assert.equal(r.config.resourceAttributes.team, 'a');
  });

  test('a 100 KB service name is cut to 256 characters with one warning', () => {
    const r = read({ TRACEKIT_SERVICE_NAME: 's'.repeat(100_000) });
    assertOneWarning(r, 'TRACEKIT_SERVICE_NAME', '100000 characters', '256');
    assert.equal(r.config.serviceName.length, 256);
  });

  test('an over-long version or environment is cut the same way', () => {
    const r = read({ TRACEKIT_SERVICE_VERSION: 'v'.repeat(1000), ENV: 'e'.repeat(1000) });
    assert.equal(r.warnings.length, 2);
    assert.equal(r.config.serviceVersion.length, 256);
    assert.equal(r.config.environment.length, 256);
  });

  test('a header value over 8 KB is skipped with one warning that does not echo it', () => {
    const r = read({ OTEL_EXPORTER_OTLP_HEADERS: `x-big=${'h'.repeat(9000)},x-ok=1` });
    assertOneWarning(r, 'OTEL_EXPORTER_OTLP_HEADERS entry #1', 'longer than 8192');
    assert.ok(!r.warnings[0].includes('hhhh'));
    assert.equal(r.config.traces.headers['x-ok'], '1');
    assert.equal(r.config.traces.headers['x-big'], undefined);
  });

  test('an API key over 512 characters is refused: running without a key', () => {
    const r = read({ TRACEKIT_API_KEY: `ctxio_${'k'.repeat(600)}` });
    assertOneWarning(r, 'TRACEKIT_API_KEY', 'longer than 512');
    assert.equal(r.config.apiKey, undefined);
  });

  test('CR/LF in a header value or the key never reaches a header', () => {
    const r = read({ TRACEKIT_API_KEY: 'ctxio_abc\r\nX-Evil: 1', OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1%0D%0AX-Evil: 2' });
    assert.equal(r.warnings.length, 2, JSON.stringify(r.warnings));
    assert.equal(r.config.apiKey, undefined);
    assert.deepEqual(Object.keys(r.config.traces.headers), []);
  });

  test('the key inside TRACEKIT_LOCAL_UI_URL: refused, the default URL (the Local UI never gets the key)', () => {
    const r = read({ TRACEKIT_API_KEY: KEY, TRACEKIT_LOCAL_UI_URL: `http://localhost:9999/${KEY}` });
    assertOneWarning(r, 'TRACEKIT_LOCAL_UI_URL=', 'holds the API key', MASKED);
    assert.equal(r.config.localUi.url, 'http://localhost:9999');
  });

  test('a short "key" does not mask every word that holds it', () => {
    const r = read({ TRACEKIT_API_KEY: 'abc', TRACEKIT_SERVICE_NAME: 'abcdef' });
    assert.equal(r.config.serviceName, 'abcdef');
  });
});
