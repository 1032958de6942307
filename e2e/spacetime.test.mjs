// The space-time diagram in every engine lab: it draws lanes and arrows from the core's
// trace, follows the scrubber, and selecting an event in it selects the same event in the
// event log (and the other way round). Screenshots at desktop and narrow widths, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, screenshot, viewports } from './harness.mjs';

const env = useSite();

/** Like harness.openPage, with a colour scheme. */
async function open(url, viewport, colorScheme = 'light') {
  const context = await env.browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, problems };
}

const diagram = (page) => page.locator('svg.spacetime-view');

async function playFor(page, ms) {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(ms);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

/** The selected event's seq in the diagram and in the event log. */
async function selections(page) {
  const inDiagram = await diagram(page).locator('[aria-current="true"]').getAttribute('data-seq');
  const inLog = await page.locator('.event-log [aria-current="true"]').getAttribute('data-seq');
  return { inDiagram, inLog };
}

for (const lab of ['raft', 'paxos', 'crdt', 'gossip', 'transactions', 'idempotency', 'broadcast', 'loadbalancing', 'clocks']) {
  test(`the ${lab} lab draws a space-time diagram that scrolls while it plays`, async () => {
    const { page, context, problems } = await open(`${env.site.url}#/${lab}`, viewports.desktop);
    await diagram(page).waitFor();
    const before = await page.locator('.spacetime-status').textContent();
    await page.getByLabel('Speed', { exact: true }).selectOption('20');
    await playFor(page, 1500);
    const after = await page.locator('.spacetime-status').textContent();
    assert.notEqual(after, before, 'the window moved with virtual time');
    assert.ok(await diagram(page).locator('.st-label').count() >= 2, 'lanes are labelled');
    assert.ok(await diagram(page).locator('g.st-deliver').count() > 0, 'arrows are drawn');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the rate limiter\'s distributed tab has the diagram too', async () => {
  const { page, context, problems } = await open(`${env.site.url}#/ratelimit`, viewports.desktop);
  await page.getByRole('tab', { name: 'Distributed limiter' }).click();
  await diagram(page).waitFor();
  await playFor(page, 1000);
  assert.ok(await diagram(page).locator('.st-label').count() >= 2, 'lanes are labelled');
  assert.deepEqual(problems, []);
  await context.close();
});

test('scrubbing moves the diagram, and its selected event is the event log\'s', async () => {
  const { page, context, problems } = await open(`${env.site.url}#/raft`, viewports.desktop);
  await diagram(page).waitFor();
  await page.getByLabel('Speed', { exact: true }).selectOption('50');
  await playFor(page, 2500);
  const scrubber = page.getByLabel('Time', { exact: true });
  const horizon = Number(await scrubber.getAttribute('max'));
  assert.ok(horizon > 800, `the run reached ${horizon} ms`);
  await scrubber.fill(String(Math.floor(horizon / 2)));
  const status = await page.locator('.spacetime-status').textContent();
  const expected = `${Math.floor(horizon / 2 / 1000)}.${String(Math.floor(horizon / 2) % 1000).padStart(3, '0')} s.`;
  assert.ok(status.includes(`to ${expected}`), `the window ends at the scrubbed time: ${status} (${expected})`);

  // Click an arrow in the diagram: the event log selects the same event.
  const arrows = diagram(page).locator('g.st-deliver');
  const count = await arrows.count();
  assert.ok(count > 3, `arrows in the window (${count})`);
  const arrow = arrows.nth(Math.floor(count / 2));
  const seq = await arrow.getAttribute('data-seq');
  await arrow.dispatchEvent('click');
  await page.locator('.event-log [aria-current="true"]').waitFor();
  assert.deepEqual(await selections(page), { inDiagram: seq, inLog: seq });
  assert.match(await page.locator('.spacetime-selected').textContent(), /causal past is drawn/);

  // Scrub again, then select from the keyboard: both views still agree.
  await scrubber.fill(String(Math.floor(horizon * 0.8)));
  await page.locator('.spacetime-canvas').focus();
  await page.keyboard.press('ArrowLeft');
  await page.locator('.event-log [aria-current="true"]').waitFor();
  const byKey = await selections(page);
  assert.ok(byKey.inDiagram !== null);
  assert.equal(byKey.inDiagram, byKey.inLog);

  // And from the event log: the diagram marks the event picked there.
  const entry = page.locator('.event-log button').nth(3);
  const logSeq = await entry.getAttribute('data-seq');
  await entry.click();
  await diagram(page).locator(`[data-seq="${logSeq}"][aria-current="true"]`).waitFor();
  assert.deepEqual(await selections(page), { inDiagram: logSeq, inLog: logSeq });
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [name, viewport] of Object.entries(viewports)) {
  for (const scheme of ['light', 'dark']) {
    test(`the diagram at ${name} width in ${scheme} mode keeps Play in view`, async () => {
      const { page, context, problems } = await open(`${env.site.url}#/raft`, viewport, scheme);
      await diagram(page).waitFor();
      await page.getByLabel('Speed', { exact: true }).selectOption('50');
      await playFor(page, 1500);
      const play = await page.getByRole('button', { name: 'Play', exact: true }).boundingBox();
      if (name === 'desktop') assert.ok(play.y + play.height <= viewport.height, `Play is above the fold (${play.y})`);
      const arrows = diagram(page).locator('g.st-deliver');
      await arrows.nth(Math.floor((await arrows.count()) / 2)).dispatchEvent('click');
      await page.locator('.spacetime').scrollIntoViewIfNeeded();
      await page.locator('.spacetime h2').evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
      await screenshot(page, `spacetime-${name}-${scheme}`);
      // The narrow layout stacks the diagram under the playback bar, full width.
      const box = await diagram(page).boundingBox();
      assert.ok(box.width >= viewport.width * (name === 'narrow' ? 0.85 : 0.5), `the diagram is ${box.width}px wide`);
      // A phone opens on a narrower window of time, so the arrows stay apart.
      assert.match(await page.locator('.spacetime-status').textContent(), name === 'narrow' ? /^Showing newest 200 ms:/ : /^Showing newest 500 ms:/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
