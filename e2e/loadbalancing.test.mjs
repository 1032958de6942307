// The load balancing lab: slow a server and watch the p99 climb under round robin, then
// switch the policy and watch it come back down. The charts are read through the numbers
// they write out (text and aria labels), never through pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

const gauge = async (page, name) => Number(await page.locator(`dd[data-gauge="${name}"]`).textContent());
const clock = async (page) => parseFloat((await page.locator('.playback .clock').textContent()).replace(' s', ''));

// A server row's figures: "busy 75% · queue 3 now, longest 12".
async function server(page, node) {
  const row = page.locator(`li.lb-server[data-server="${node}"]`);
  const numbers = await row.locator('.lb-server-numbers').textContent();
  const condition = (await row.locator('.lb-condition').count()) ? await row.locator('.lb-condition').textContent() : '';
  return {
    busy: Number(/busy (\d+)%/.exec(numbers)[1]),
    longest: Number(/longest (\d+)/.exec(numbers)[1]),
    condition,
  };
}

// The histogram's written percentiles: "N successful requests: p50 X ms, p95 Y ms, p99 Z ms, ...".
async function histogram(page) {
  const summary = await page.locator('.lb-histogram-summary').textContent();
  const figure = (name) => Number(new RegExp(`${name} ([\\d.]+) ms`).exec(summary)[1]);
  return { p50: figure('p50'), p99: figure('p99'), summary };
}

async function figuresShot(page, name) {
  await page.locator('.lb-figures').scrollIntoViewIfNeeded();
  await screenshot(page, name);
}

async function playFor(page, virtualSeconds) {
  const until = (await clock(page)) + virtualSeconds;
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(
    (target) => parseFloat(document.querySelector('.playback .clock').textContent) >= target,
    until,
    { timeout: 30000 },
  );
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

for (const [name, viewport] of Object.entries(viewports)) {
  test(`slowing a server raises the p99 and a better policy brings it down at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/loadbalancing`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Load balancing' }).waitFor();
    await page.getByLabel('Speed', { exact: true }).selectOption('100');
    await playFor(page, 2);
    const healthy = await gauge(page, 'window_latency_ms_p99');

    await page.getByRole('button', { name: /^Node n3, server/ }).click();
    await page.getByRole('button', { name: 'Slow server ×3' }).click();
    await playFor(page, 3);
    const slowed = await gauge(page, 'window_latency_ms_p99');
    assert.ok(slowed > healthy * 3, `the p99 rises when n3 is slow (${healthy} ms → ${slowed} ms)`);
    await screenshot(page, `loadbalancing-slowed-${name}`);

    // The per-server charts name the slowed server and show it busier, with a longer queue.
    const n3 = await server(page, 3);
    assert.equal(n3.condition, 'slowed ×3');
    for (const other of [4, 5, 6, 7]) {
      const peer = await server(page, other);
      assert.equal(peer.condition, '', `n${other} is not marked`);
      assert.ok(n3.busy > peer.busy * 1.5, `n3 busy ${n3.busy}% vs n${other} ${peer.busy}%`);
      assert.ok(n3.longest > peer.longest, `n3 longest queue ${n3.longest} vs n${other} ${peer.longest}`);
    }
    assert.match(
      await page.locator('li.lb-server[data-server="3"] svg').getAttribute('aria-label'),
      /^Server n3 \(slowed ×3\)/,
    );
    // The histogram's tail stretches: the slowed server's requests sit far right of the rest.
    const tail = await histogram(page);
    assert.ok(tail.p99 > tail.p50 * 4, `the run's p99 is far above its p50: ${tail.summary}`);
    const label = await page.locator('.lb-histogram svg.lb-chart').getAttribute('aria-label');
    assert.ok(label.includes(`p99 ${tail.p99}`), label);
    assert.deepEqual(await page.locator('.lb-marker-label').allTextContents(), ['p50', 'p95', 'p99']);
    await figuresShot(page, `loadbalancing-charts-slowed-${name}`);
    await page.locator('.lb-latency-time').scrollIntoViewIfNeeded();
    await screenshot(page, `loadbalancing-latency-slowed-${name}`);

    await page.getByLabel('Balancing policy').selectOption('least_response_time');
    await playFor(page, 4);
    const recovered = await gauge(page, 'window_latency_ms_p99');
    assert.ok(recovered < slowed / 2, `least response time brings the p99 down (${slowed} ms → ${recovered} ms)`);
    assert.ok((await page.locator('.lb-latency-time path.lb-p99').getAttribute('d')).length > 0, 'the p99 line is drawn');
    const written = Number(await page.locator('.lb-latest').getAttribute('data-window-p99-ms'));
    assert.ok(written < slowed, `the chart's latest p99 (${written} ms) is below the slowed one (${slowed} ms)`);
    const after = await server(page, 3);
    assert.ok(after.longest < n3.longest / 2, `least response time drains n3's queue (${n3.longest} → ${after.longest})`);
    await screenshot(page, `loadbalancing-recovered-${name}`);
    await figuresShot(page, `loadbalancing-charts-recovered-${name}`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await figuresShot(page, `loadbalancing-charts-dark-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a dead server shows as an error rate and a time to fail, not in the success percentiles', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/loadbalancing`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Load balancing' }).waitFor();
  await page.getByLabel('Scenario', { exact: true }).selectOption('loadbalancing-dead-server');
  await page.getByLabel('Speed', { exact: true }).selectOption('100');
  // n3 crashes at 3 s; health checks take about 3 s more to notice.
  await playFor(page, 5.5);
  assert.equal((await server(page, 3)).condition, 'crashed');
  const strip = await page.locator('.lb-strip-label').textContent();
  const highest = Number(/highest (\d+)%/.exec(strip)[1]);
  assert.ok(highest >= 15, `a quarter of the requests go to the dead server: ${strip}`);
  const summary = (await histogram(page)).summary;
  const timeToFail = Number(/99% within ([\d.]+) ms/.exec(summary)[1]);
  assert.ok(timeToFail >= 500, `failed requests waited out the 500 ms timeout: ${summary}`);
  const p99 = (await histogram(page)).p99;
  assert.ok(p99 < 100, `the success p99 stays low (${p99} ms) while requests fail`);
  await figuresShot(page, 'loadbalancing-charts-dead-server-desktop');
  assert.deepEqual(problems, []);
  await context.close();
});
