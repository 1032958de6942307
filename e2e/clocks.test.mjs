// The time and order lab in the browser: a learner plays the skewed-clocks preset, reads every
// node's physical clock, error, Lamport, vector and HLC values in the clock panel, takes a
// snapshot on n2 while transfers are in flight, and sees the snapshot's recorded balances and
// its sum checked against the bank's total. Screenshots at desktop and narrow widths, light
// and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

const env = useSite();

const play = (page) => page.getByRole('button', { name: 'Play', exact: true }).click();
const pause = (page) => page.getByRole('button', { name: 'Pause', exact: true }).click();

/** Plays until `predicate` holds (polling), then pauses; fails naming `what` on timeout. */
async function playUntil(page, predicate, what, timeoutMs = 15000) {
  await play(page);
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await predicate();
    if (value) break;
    await page.waitForTimeout(100);
  }
  await pause(page);
  assert.ok(value, `timed out waiting for ${what}`);
  return value;
}

for (const [name, viewport] of Object.entries(viewports)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`a snapshot taken mid-transfer adds up to the bank's total (${name}, ${colorScheme})`, async () => {
      const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/clocks`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.getByRole('heading', { level: 1, name: /Time and order/ }).waitFor();
      const panel = page.getByRole('region', { name: 'Clocks' });
      assert.equal(await panel.locator('tbody tr').count(), 4, 'the preset has four nodes');
      assert.ok(await page.locator('svg.spacetime-view').count() > 0, 'the space-time diagram is open');
      await page.getByLabel('Speed', { exact: true }).selectOption('20');

      // Play until money is in flight, then take a snapshot on n2.
      const inFlight = async () => {
        const lamport = await panel.locator('tbody tr').nth(2).locator('td').nth(2).textContent();
        return Number(lamport) > 5;
      };
      await playUntil(page, inFlight, 'transfers to be made');
      const balances = await panel.locator('tbody tr td:nth-child(7)').allTextContents();
      assert.notDeepEqual(balances, ['1000', '1000', '1000', '1000'], 'money has moved');
      await panel.getByRole('button', { name: 'Take snapshot on n2' }).click();
      const finished = panel.getByRole('list', { name: 'Finished snapshots' });
      await playUntil(page, async () => (await finished.locator('li').count()) > 0, 'the snapshot to finish');
      const text = await finished.locator('li').first().textContent();
      assert.match(text, /Snapshot 1 from n2/);
      assert.match(text, /Recorded balances: n0 \d+, n1 \d+, n2 \d+, n3 \d+/);
      assert.match(text, /Sum 4000 = the bank's total 4000: consistent/);

      // The clocks: n1's clock runs ahead of true time, n2's behind, and HLC is shown.
      const row = (node) => panel.locator('tbody tr').nth(node).locator('td');
      assert.ok(Number(await row(1).nth(1).textContent()) > 0, "n1's error is positive");
      assert.ok(Number(await row(2).nth(1).textContent()) < 0, "n2's error is negative");
      assert.match(await row(0).nth(3).textContent(), /^\[\d+, \d+, \d+, \d+\]$/, 'a vector has four entries');
      assert.match(await row(0).nth(4).textContent(), /^\(-?\d+\.\d{3}, \d+\)$/, 'HLC is (l, c)');

      const safety = page.getByRole('region', { name: 'Safety' });
      await safety.getByText('Snapshot sum is the total').waitFor();
      assert.equal(await safety.getByText('violated').count(), 0, 'nothing is violated');
      const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(widths[0] <= widths[1], `the page does not scroll sideways (${widths})`);
      await panel.scrollIntoViewIfNeeded();
      await screenshot(page, `clocks-${name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

// TrueTime: the commit-wait preset's writes wait about 2ε and External consistency holds; the
// same store without commit wait breaks it. The clock panel shows each node's TT.now()
// interval and its row.
for (const [name, colorScheme] of [['desktop', 'light'], ['narrow', 'dark']]) {
  test(`commit wait keeps external consistency and skipping it breaks it (${name}, ${colorScheme})`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/clocks`, viewports[name]);
    await page.emulateMedia({ colorScheme });
    await page.getByRole('heading', { level: 1, name: /Time and order/ }).waitFor();
    await page.getByLabel('Scenario', { exact: true }).selectOption('clocks-truetime-commit-wait');
    await page.getByLabel('Speed', { exact: true }).selectOption('20');
    const panel = page.getByRole('region', { name: 'Clocks' });
    const cells = (node) => panel.locator('tbody tr').nth(node).locator('td');
    const committed = async () => {
      for (const node of [0, 1, 2]) {
        if (!/@/.test(await cells(node).nth(7).textContent())) return false;
      }
      return true;
    };
    await playUntil(page, committed, 'a write to commit at every leader');
    for (const node of [0, 1, 2]) {
      assert.match(await cells(node).nth(6).textContent(), /^\[-?\d+\.\d{3}, -?\d+\.\d{3}\] ✓ holds$/, `n${node}'s TT.now()`);
    }
    assert.match(await panel.textContent(), /TrueTime's ε is 4000 µs.*so far 8\.00\d ms on average/);
    const safety = page.getByRole('region', { name: 'Safety' });
    const check = safety.locator('li', { hasText: 'External consistency' });
    assert.match(await check.textContent(), /holds/);
    assert.equal(await safety.getByText('violated').count(), 0, 'nothing is violated');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, `clocks-truetime-${name}-${colorScheme}`);

    await page.getByLabel('Scenario', { exact: true }).selectOption('clocks-bug-no-commit-wait');
    await play(page);
    await safety.getByText('External consistency violated').waitFor({ timeout: 15000 });
    assert.match(await check.textContent(), /violated/);
    assert.match(await page.getByRole('alert').first().textContent(), /External consistency/);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
