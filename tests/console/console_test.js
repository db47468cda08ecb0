// The web console in a real headless Chromium (Debian's), driven by playwright-core: open the
// console, find a topic kcat produced, browse to a record and check its key, value and headers on
// screen, check that HTML-bearing and binary values are rendered inert, produce from the page,
// watch the live tail, watch a group's lag fall as a real consumer (confluent-kafka-python)
// commits, reset the group's offsets from the page and see the lag come back. Screenshots of
// each page go to SCREENSHOT_DIR. Also prints (never asserts) how long the overview takes to
// render 1,000 topics.
//
// Usage: node console_test.js KAFKADO KCAT SCREENSHOT_DIR
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [kafkado, kcat, screenshots] = process.argv.slice(2);
const CHROMIUM = '/usr/bin/chromium';
const PYTHON = '/usr/bin/python3';

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

async function waitFor(what, seconds, fn) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out after ' + seconds + ' s waiting for ' + what);
    await new Promise(r => setTimeout(r, 100));
  }
}

function startBroker(dir) {
  const log = path.join(dir, 'server.log');
  const out = fs.openSync(log, 'w');
  const child = spawn(kafkado, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0',
    '--http', '127.0.0.1:0', '--group-initial-rebalance-delay-ms', '0'], { stdio: ['ignore', 'ignore', out] });
  return {
    child, log,
    text: () => fs.readFileSync(log, 'utf8'),
    async ready() {
      return waitFor('the broker to listen', 15, () => {
        const m = /listening on 127\.0\.0\.1:(\d+) .*\/metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(this.text());
        return m && { bootstrap: '127.0.0.1:' + m[1], http: 'http://127.0.0.1:' + m[2] };
      });
    },
  };
}

function kcatProduce(bootstrap, topic, lines, extra) {
  const r = spawnSync(kcat, ['-b', bootstrap, '-P', '-t', topic, '-K', '\t', ...(extra || [])],
    { input: lines });
  if (r.status !== 0) fail('kcat produce: ' + r.stderr);
}

// Consumes `count` records of `topic` in `group` with confluent-kafka-python and commits them.
function consume(bootstrap, group, topic, count) {
  const script = `
import sys, time
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2],
              "auto.offset.reset": "earliest", "enable.auto.commit": False})
c.subscribe([sys.argv[3]])
got, deadline = 0, time.monotonic() + 30
while got < int(sys.argv[4]) and time.monotonic() < deadline:
    m = c.poll(0.5)
    if m is not None and not m.error():
        got += 1
assert got == int(sys.argv[4]), got
c.commit(asynchronous=False)
c.close()
`;
  const r = spawnSync(PYTHON, ['-c', script, bootstrap, group, topic, String(count)]);
  if (r.status !== 0) fail('consumer: ' + r.stderr);
}

async function text(page, selector) {
  return (await page.locator(selector).first().textContent()).trim();
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) fail(CHROMIUM + ' not found (Debian package chromium; scripts/install-deps --test)');
  fs.mkdirSync(screenshots, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-do-console-'));
  const broker = startBroker(dir);
  let browser;
  try {
    const { bootstrap, http } = await broker.ready();
    // Records a user would browse: JSON, HTML that must stay text, binary, headers.
    kcatProduce(bootstrap, 'browse-me', [
      'order-1\t{"id":1,"item":"book","qty":2}',
      '<b>bold-key</b>\t<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>',
    ].join('\n') + '\n', ['-H', 'source=kcat', '-H', 'trace=abc-123']);
    kcatProduce(bootstrap, 'browse-me', Buffer.concat([Buffer.from('bin\t'),
      Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.from('\n')]));
    kcatProduce(bootstrap, 'lagging', Array.from({ length: 100 }, (_, i) => 'k' + i + '\tv' + i).join('\n') + '\n');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));

    // Overview: the topic kcat produced, with its record count.
    await page.goto(http + '/');
    await page.waitForSelector('tr[data-topic="browse-me"]');
    const row = page.locator('tr[data-topic="browse-me"] td');
    if ((await row.nth(2).textContent()) !== '3') fail('overview records: ' + await row.nth(2).textContent());
    await page.screenshot({ path: path.join(screenshots, 'overview.png'), fullPage: true });

    // Topic page: browse oldest first and check the first record on screen.
    await page.click('tr[data-topic="browse-me"] a');
    await page.waitForSelector('#message-table tr[data-offset]');
    await page.selectOption('#browse select[name="order"]', 'oldest');
    await page.click('#browse button[type="submit"]');
    await waitFor('oldest-first results', 10, async () =>
      (await page.locator('#message-table tbody tr').first().getAttribute('data-offset')) === '0');
    const first = '#message-table tr[data-offset="0"]';
    if (await text(page, first + ' td.key') !== 'order-1') fail('key: ' + await text(page, first + ' td.key'));
    const value = JSON.parse(await text(page, first + ' td.value pre'));
    if (value.item !== 'book' || value.qty !== 2) fail('value: ' + JSON.stringify(value));
    if (!(await text(page, first + ' td.value pre')).includes('\n')) fail('JSON value not pretty-printed');
    const headers = await text(page, first + ' td.headers');
    if (!headers.includes('source: kcat') || !headers.includes('trace: abc-123')) fail('headers: ' + headers);

    // The HTML-bearing record is text, not markup; the binary one is marked as base64.
    const html = '#message-table tr[data-offset="1"]';
    if (await text(page, html + ' td.key') !== '<b>bold-key</b>') fail('html key: ' + await text(page, html + ' td.key'));
    if (!(await text(page, html + ' td.value')).includes('<img src=x onerror=')) fail('html value not shown as text');
    if (await page.locator('#message-table img, #message-table script, #message-table b').count() !== 0) {
      fail('a record value became markup');
    }
    if (await page.evaluate(() => window.__xss) !== undefined) fail('a record value ran script');
    const binary = await text(page, '#message-table tr[data-offset="2"] td.value');
    if (binary !== 'base64: //4AAQ==') fail('binary value: ' + binary);

    // Search finds one record by a header value.
    await page.fill('#browse input[name="q"]', 'abc-123');
    await page.click('#browse button[type="submit"]');
    await waitFor('the search result', 10, async () => await page.locator('#message-table tbody tr').count() === 2);
    await page.fill('#browse input[name="q"]', '');
    await page.screenshot({ path: path.join(screenshots, 'topic.png'), fullPage: true });

    // Export link points at the JSON-lines API; fetch it as the browser would.
    const exported = await page.evaluate(async () => {
      const r = await fetch(document.getElementById('export').href);
      return { type: r.headers.get('content-type'), lines: (await r.text()).trim().split('\n').length };
    });
    if (exported.type !== 'application/x-ndjson' || exported.lines !== 2) fail('export: ' + JSON.stringify(exported));

    // Live tail: start it, produce with kcat, the record appears.
    await page.click('#tail');
    await page.waitForSelector('#tail-table[data-open]');
    kcatProduce(bootstrap, 'browse-me', 'live-key\tlive-value\n');
    await page.waitForSelector('#tail-table tr[data-offset="3"]', { timeout: 15000 });
    if (await text(page, '#tail-table tr[data-offset="3"] td.value') !== 'live-value') fail('tail value');
    await page.click('#tail');

    // Produce from the page; kcat reads it back.
    await page.fill('#produce-form input[name="key"]', 'from-ui');
    await page.fill('#produce-form textarea[name="value"]', '{"made":"in chromium"}');
    await page.fill('#produce-form textarea[name="headers"]', 'via: console');
    await page.click('#produce-form button[type="submit"]');
    await waitFor('the produce confirmation', 10, async () => (await text(page, '#produced')).includes('offset 4'));
    const readBack = spawnSync(kcat, ['-b', bootstrap, '-C', '-t', 'browse-me', '-o', '4', '-c', '1', '-e',
      '-f', '%k|%s|%h']);
    if (readBack.stdout.toString().trim() !== 'from-ui|{"made":"in chromium"}|via=console') {
      fail('kcat read back: ' + readBack.stdout + readBack.stderr);
    }

    // Group page: lag falls as the consumer commits, live.
    consume(bootstrap, 'console-group', 'lagging', 20);
    await page.goto(http + '/#/group/console-group');
    await waitFor('lag 80', 15, async () => (await page.locator('#total-lag').count()) && await text(page, '#total-lag') === '80');
    consume(bootstrap, 'console-group', 'lagging', 80);
    await waitFor('lag to fall to 0 on screen', 15, async () => await text(page, '#total-lag') === '0');
    await page.screenshot({ path: path.join(screenshots, 'group.png'), fullPage: true });

    // Reset to earliest from the page: preview, confirm, the lag is back.
    await page.selectOption('#reset-form select[name="to"]', 'earliest');
    await page.click('#reset-form button[type="submit"]');
    await page.waitForSelector('#confirm-reset');
    const planned = await text(page, '#reset-plan table tbody tr');
    if (!planned.includes('lagging')) fail('reset plan: ' + planned);
    await page.screenshot({ path: path.join(screenshots, 'group-reset.png'), fullPage: true });
    await page.click('#confirm-reset');
    await page.waitForSelector('#reset-done');
    await waitFor('lag back to 100', 15, async () => await text(page, '#total-lag') === '100');
    if ((await text(page, '#group-state')) !== 'Empty') fail('group state: ' + await text(page, '#group-state'));

    // 1,000 topics: created through the API, then the time to render the overview (printed).
    const started = Date.now();
    await page.evaluate(async () => {
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => fetch('/api/topics', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'bulk-' + String(i + j).padStart(4, '0'), partitions: 1 }),
        })));
      }
    });
    const created = Date.now() - started;
    const t0 = Date.now();
    await page.goto(http + '/');
    await page.waitForSelector('tr[data-topic="bulk-0999"]');
    const rendered = Date.now() - t0;
    const rows = await page.locator('tr[data-topic]').count();
    if (rows < 1002) fail('overview rows: ' + rows);
    console.log('overview with ' + rows + ' topics rendered in ' + rendered + ' ms (1000 topics created in ' + created + ' ms)');
    await page.screenshot({ path: path.join(screenshots, 'overview-1000-topics.png') });

    if (errors.length) fail('page errors: ' + errors.join('; '));
    console.log('screenshots in ' + screenshots);
    console.log('PASS console_test');
  } catch (e) {
    console.error('--- server log:\n' + broker.text());
    throw e;
  } finally {
    if (browser) await browser.close();
    broker.child.kill('SIGTERM');
    await new Promise(r => broker.child.exitCode !== null ? r() : broker.child.on('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (broker.child.exitCode !== 0) fail('broker exited with ' + broker.child.exitCode + ' after SIGTERM');
}

main().catch(e => { console.error(e); process.exit(1); });
