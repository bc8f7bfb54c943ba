#!/usr/bin/env node
// Render times of the Local UI page in headless Chromium (Debian's chromium, as in the browser tests), measured by
// the page itself with performance.now() around building the DOM and its layout:
//  - the trace list with 1,000 traces loaded (target ≤ 200 ms);
//  - the waterfall of one 500-span trace (target ≤ 300 ms).
// Each is rendered --repeat times; the median and the worst are reported.
//
//   node bench/local-ui-render.mjs [--repeat 7] [--out bench/results/local-ui-render.json]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { environment, median, RESULTS_DIR, writeJson } from './lib/common.mjs';
import { hex, jsonSpan, post, startLocalUi, tracesBody } from '../test/local-ui/helpers.mjs';
import { launchBrowser } from '../test/local-ui/browser.mjs';

const { values: opt } = parseArgs({ options: { repeat: { type: 'string', default: '7' }, out: { type: 'string', default: path.join(RESULTS_DIR, 'local-ui-render.json') } } });
const REPEAT = Number(opt.repeat);

async function load(url) {
  const start = BigInt(Date.now()) * 1_000_000n;
  for (let batch = 0; batch < 20; batch++) {
    const spans = [];
    for (let t = 0; t < 50; t++) {
      const traceId = hex(16);
      const rootId = hex(8);
      spans.push(jsonSpan({ traceId, spanId: rootId, name: `GET /items/:id`, durationMs: 5 + (t % 40), status: t % 17 === 0 ? 2 : 0, startNs: start + BigInt((batch * 50 + t) * 1e6) }));
      for (let s = 0; s < 4; s++) spans.push(jsonSpan({ traceId, parentSpanId: rootId, name: `SELECT items ${s}`, kind: 3, durationMs: 1 + s, startNs: start + BigInt((batch * 50 + t) * 1e6 + s * 1e5) }));
    }
    await post(`${url}/v1/traces`, tracesBody(batch % 2 ? 'orders' : 'checkout', spans));
  }
  // One trace of 500 spans, nested up to 5 levels deep, over two services. It is sent last so it is the newest
  // of the 1,000 stored traces (the oldest one is dropped to make room).
  const traceId = hex(16);
  const spans = [];
  const ids = [hex(8)];
  spans.push(jsonSpan({ traceId, spanId: ids[0], name: 'POST /big', durationMs: 900, startNs: start }));
  for (let i = 1; i < 500; i++) {
    const spanId = hex(8);
    const parent = ids[Math.max(0, Math.floor((i - 1) / 4))] ?? ids[0];
    ids.push(spanId);
    spans.push(jsonSpan({ traceId, spanId, parentSpanId: parent, name: `step ${i}`, kind: i % 3 === 0 ? 3 : 1, durationMs: 1 + (i % 50), status: i % 97 === 0 ? 2 : 0, startNs: start + BigInt(i * 1.5e6) }));
  }
  await post(`${url}/v1/traces`, tracesBody('big-service', spans));
  return traceId;
}

const ui = await startLocalUi();
const browser = await launchBrowser();
try {
  const bigTrace = await load(ui.url);
  const stats = await (await fetch(`${ui.url}/api/stats`)).json();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const list = [];
  const waterfall = [];
  for (let i = 0; i < REPEAT; i++) {
    await page.goto(`${ui.url}/?run=${i}#traces`);
    await page.waitForFunction(() => document.querySelectorAll('#trace-rows .tl-row').length === 1000 && window.tracekitTimings.listRows === 1000);
    list.push(await page.evaluate(() => window.tracekitTimings.listRenderMs));
    await page.click(`#trace-rows [data-trace="${bigTrace}"]`);
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 500);
    waterfall.push(await page.evaluate(() => window.tracekitTimings.waterfallRenderMs));
  }
  const summary = {
    storedTraces: stats.traces,
    listRenderMs: { median: Number(median(list).toFixed(1)), max: Number(Math.max(...list).toFixed(1)), target: 200 },
    waterfallRenderMs: { median: Number(median(waterfall).toFixed(1)), max: Number(Math.max(...waterfall).toFixed(1)), target: 300, spans: 500 },
  };
  console.log(`${stats.traces} traces stored; list of 1000 rows: median ${summary.listRenderMs.median} ms, max ${summary.listRenderMs.max} ms (target ≤ 200)`);
  console.log(`samples (ms): list ${list.map((x) => x.toFixed(1)).join(' ')}; waterfall ${waterfall.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`500-span waterfall: median ${summary.waterfallRenderMs.median} ms, max ${summary.waterfallRenderMs.max} ms (target ≤ 300)`);
  writeJson(opt.out, { environment: { ...environment(), browser: browser.version() }, summary, samples: { list, waterfall } });
} finally {
  await browser.close();
  await ui.stop();
}
