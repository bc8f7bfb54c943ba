// The page in headless Chromium against the real tracekit-local: a trace appears live, its waterfall opens with
// span details, filters narrow the list, a breakpoint is switched on and its snapshot shows, metrics are
// charted and the service map draws the call. Each test leaves a screenshot in test/artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { post, startLocalUi, until } from './helpers.mjs';
import { launchBrowser, screenshot } from './browser.mjs';
import { otlpLogs, sendCheckoutTrace, sendMetrics, sendSnapshot } from './sample-data.mjs';

describe('tracekit-local page in Chromium', { timeout: 60_000 }, () => {
  let ui;
  let browser;
  let page;
  const pageErrors = [];
  before(async () => {
    ui = await startLocalUi();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(ui.url);
    await page.waitForSelector('#live-dot.live');
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });

  let failing;
  test('a trace sent after the page loaded appears in the list live', async () => {
    assert.equal(await page.locator('#trace-rows .tl-row').count(), 0);
    await sendCheckoutTrace(ui.url);
    failing = await sendCheckoutTrace(ui.url, { fail: true });
    await page.waitForSelector(`#trace-rows [data-trace="${failing.traceId}"]`);
    const row = page.locator(`#trace-rows [data-trace="${failing.traceId}"]`);
    assert.match(await row.innerText(), /checkout[\s\S]*POST \/checkout[\s\S]*48\.0 ms[\s\S]*5[\s\S]*error/);
    await screenshot(page, 'local-ui-live-list');
  });

  test('a trace opens as a nested waterfall with span details, the exception stack and the span\'s logs', async () => {
    await post(`${ui.url}/v1/logs`, otlpLogs('payment', [{ body: 'card declined by issuer', severityText: 'ERROR', severityNumber: 17, traceId: failing.traceId, spanId: failing.serverId }]));
    await page.click(`#trace-rows [data-trace="${failing.traceId}"]`);
    await page.waitForSelector('.wf-row');
    const names = await page.locator('.wf-row .wf-name').allInnerTexts();
    assert.deepEqual(names, ['POST /checkout', 'SELECT carts', 'POST', 'POST /charge', 'stripe.charges.create']);
    const indents = await page.locator('.wf-row .wf-label').evaluateAll((els) => els.map((el) => parseInt(el.style.paddingLeft, 10)));
    assert.ok(indents[0] < indents[1] && indents[2] < indents[3] && indents[3] < indents[4], `nested: ${indents}`);
    assert.equal(await page.locator('.wf-row.error').count(), 4);
    await page.click(`.wf-row[data-span="${failing.serverId}"]`);
    await page.waitForSelector('#span-details pre.stack');
    assert.match(await page.locator('#span-details pre.stack').innerText(), /at charge \(\/app\/payment\/charge\.js:42:11\)/);
    await page.waitForSelector('#span-details .logs');
    assert.match(await page.locator('#span-details .logs').innerText(), /card declined by issuer/);
    await page.click('.wf-row >> nth=0');
    await until(async () => /cart\.gift/.test(await page.locator('#span-details').innerText()), 'root span details');
    const attrs = await page.locator('#span-details table.kv').first().innerText();
    assert.match(attrs, /cart\.gift\s+false/);
    assert.match(attrs, /cart\.discount\s+0/);
    await screenshot(page, 'local-ui-waterfall');
  });

  test('the filters narrow the list', async () => {
    await page.selectOption('#filters select[name=status]', 'error');
    await until(async () => (await page.locator('#trace-rows .tl-row').count()) === 1, 'one error trace');
    assert.equal(await page.locator(`#trace-rows [data-trace="${failing.traceId}"]`).count(), 1);
    await page.selectOption('#filters select[name=status]', '');
    await page.fill('#filters input[name=attr]', 'http.status_code=200');
    await until(async () => (await page.locator('#trace-rows .tl-row').count()) === 1 && (await page.locator(`#trace-rows [data-trace="${failing.traceId}"]`).count()) === 0, 'the ok trace only');
    await screenshot(page, 'local-ui-filtered');
    await page.click('#filters button[type=reset]');
    await until(async () => (await page.locator('#trace-rows .tl-row').count()) === 2, 'both traces again');
  });

  test('a breakpoint is switched on from the page and its snapshot shows with redactions visible', async () => {
    const site = { service_name: 'checkout', file_path: '/app/checkout/cart.js', line_number: 27, function_name: 'applyDiscount', label: 'discount' };
    const { json: registered } = await post(`${ui.url}/sdk/snapshots/auto-register`, site);
    await page.click('button[data-view=snapshots]');
    const toggle = page.locator(`tr[data-bp="${registered.id}"] input.bp-toggle`);
    await toggle.waitFor();
    assert.equal(await toggle.isChecked(), false, 'registered breakpoints start disabled');
    await toggle.check();
    await until(async () => {
      const res = await fetch(`${ui.url}/sdk/snapshots/active/checkout`);
      return (await res.json()).breakpoints.find((bp) => bp.id === registered.id)?.enabled === true;
    }, 'the agent poll to list the breakpoint as enabled');
    const { capture } = await sendSnapshot(ui.url, { traceId: failing.traceId });
    assert.equal(capture.status, 201);
    await page.waitForSelector('.snapshot .vars');
    const vars = await page.locator('.snapshot .vars').innerText();
    assert.match(vars, /total: 59\.9/);
    assert.match(vars, /gift: false/);
    assert.equal(await page.locator('.snapshot mark.redacted', { hasText: '[REDACTED:email]' }).count(), 1);
    assert.match(await page.locator('.snapshot pre.stack').innerText(), /applyDiscount/);
    assert.match(await page.locator('.snapshot').innerText(), /\/checkout\?coupon=SPRING/);
    await screenshot(page, 'local-ui-snapshot');
  });

  test('the kill switch and delete act on what agents see', async () => {
    const poll = async () => (await fetch(`${ui.url}/sdk/snapshots/active/checkout`)).json();
    await page.locator('.service-block[data-service="checkout"] input.kill-switch').check();
    await until(async () => (await poll()).kill_switch === true, 'the poll to report the kill switch on');
    await page.waitForSelector('.service-block[data-service="checkout"] .switch.on');
    await screenshot(page, 'local-ui-kill-switch');
    await page.locator('.service-block[data-service="checkout"] input.kill-switch').uncheck();
    await until(async () => (await poll()).kill_switch === false, 'the kill switch off again');
    await page.locator('.bp-table tbody tr').first().locator('input.bp-condition').fill('cart.total > 10');
    await page.locator('.bp-table tbody tr').first().locator('input.bp-condition').press('Enter');
    await page.locator('h3', { hasText: 'Breakpoints' }).click();
    await until(async () => (await poll()).breakpoints.some((bp) => bp.condition === 'cart.total > 10' && bp.condition_eval === 'sdk-evaluable'), 'the condition set from the page');
    const before = (await poll()).breakpoints.length;
    await page.locator('.bp-table tbody tr').first().locator('button.bp-delete').click();
    await until(async () => (await poll()).breakpoints.length === before - 1, 'the breakpoint deleted');
  });

  test('metrics are charted per name and tag set', async () => {
    await page.click('button[data-view=metrics]');
    assert.equal((await sendMetrics(ui.url)).status, 200);
    await page.waitForSelector('.metric-card[data-metric="orders.placed"] canvas');
    await page.waitForSelector('.metric-card[data-metric="nodejs.heap.used"] canvas');
    assert.match(await page.locator('.metric-card[data-metric="orders.placed"]').innerText(), /region=eu[\s\S]*20 points/);
    await screenshot(page, 'local-ui-metrics');
  });

  test('the service map shows the checkout → payment edge with calls and error rate', async () => {
    await page.click('button[data-view=map]');
    const edge = page.locator('#service-map g.edge[data-edge="checkout→payment"]');
    await edge.waitFor();
    assert.match(await edge.textContent(), /2 calls · 50% err/);
    assert.equal(await page.locator('#service-map g.node').count(), 2);
    await screenshot(page, 'local-ui-service-map');
  });
});
