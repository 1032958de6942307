// The load balancing lab: slow a server and watch the p99 climb under round robin, then
// switch the policy and watch it come back down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launchBrowser, openPage, screenshot, viewports } from './harness.mjs';

let site;
let browser;

before(async () => {
  site = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

const gauge = async (page, name) => Number(await page.locator(`dd[data-gauge="${name}"]`).textContent());
const clock = async (page) => parseFloat((await page.locator('.playback .clock').textContent()).replace(' s', ''));

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
    const { page, context, problems } = await openPage(browser, `${site.url}#/loadbalancing`, viewport);
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

    await page.getByLabel('Balancing policy').selectOption('least_response_time');
    await playFor(page, 4);
    const recovered = await gauge(page, 'window_latency_ms_p99');
    assert.ok(recovered < slowed / 2, `least response time brings the p99 down (${slowed} ms → ${recovered} ms)`);
    assert.ok((await page.locator('.lab-figures polyline').count()) >= 1, 'the p99 line is drawn');
    await screenshot(page, `loadbalancing-recovered-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
