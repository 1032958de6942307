// The transactions lab in the browser: a learner steps the happy-path preset until every
// participant has prepared transaction t1, crashes the coordinator before it can decide, plays
// on and sees the three participants blocked, holding the lock on x; restarts the coordinator
// and sees every participant finish (abort t1, lock released) with Atomicity holding.
// Screenshots at desktop and narrow widths, light and dark. Then, under three-phase commit, the
// participants commit t1 without the crashed coordinator (one viewport).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

const env = useSite();

const participants = [1, 2, 3];
const card = (page, node) => page.getByRole('article', { name: `Node n${node}`, exact: true });
const heading = (page, node) => card(page, node).locator('h3').textContent();
const summary = (page) => page.locator('.txn-summary').textContent();

/** Plays until `predicate` holds (polling), then pauses; fails naming `what` on timeout. */
async function playUntil(page, predicate, what, timeoutMs = 15000) {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await predicate();
    if (value) break;
    await page.waitForTimeout(50);
  }
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  assert.ok(value, `timed out waiting for ${what}`);
  return value;
}

const allPrepared = async (page) => {
  const headings = await Promise.all(participants.map((node) => heading(page, node)));
  return headings.every((text) => text.includes('prepared'));
};

for (const [name, viewport] of Object.entries(viewports)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`participants prepared when the coordinator crashes block until it restarts (${name}, ${colorScheme})`, async () => {
      const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/transactions`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.getByRole('heading', { level: 1, name: /Transactions/ }).waitFor();
      assert.equal(await page.locator('.cluster-view g.node').count(), 4, 'a coordinator and three participants');

      // Step event by event until all three participants have prepared t1: the last one's vote
      // is still waiting for its disk write, so the coordinator cannot have decided yet.
      const step = page.getByRole('button', { name: 'Step', exact: true });
      let prepared = false;
      for (let steps = 0; steps < 200 && !prepared; steps += 1) {
        await step.click();
        prepared = await allPrepared(page);
      }
      assert.ok(prepared, 'every participant prepared t1');
      assert.match(await card(page, 0).locator('.txn-doing').textContent(), /t1: collecting votes/);

      // Crash the coordinator between prepare and commit.
      await page.getByRole('button', { name: /^Node n0,/ }).click();
      await page.getByRole('button', { name: 'Crash', exact: true }).click();
      assert.match(await heading(page, 0), /crashed/);
      await page.getByLabel('Speed', { exact: true }).selectOption('20');
      await playUntil(page, async () => (await summary(page)).startsWith('3 participant(s) blocked'), 'the participants to block');
      for (const node of participants) {
        assert.match(await heading(page, node), /blocked/, `n${node} is blocked`);
        assert.match(await card(page, node).getByLabel(`Locks held by n${node}`).textContent(), /x \(t1\)/, `n${node} holds x`);
        assert.match(await card(page, node).locator('.txn-doing').textContent(), /no one knows: blocked/);
      }
      await page.getByRole('region', { name: 'Participants' }).scrollIntoViewIfNeeded();
      await screenshot(page, `transactions-blocked-${name}-${colorScheme}`);

      // Restart it (n0 is still selected): it finds t1 begun and undecided in its log, aborts,
      // and everyone finishes.
      await page.getByRole('button', { name: 'Restart', exact: true }).click();
      await playUntil(page, async () => (await summary(page)) === 'No participant is in doubt.', 'the participants to finish');
      for (const node of participants) {
        assert.match(await card(page, node).getByLabel(`Locks held by n${node}`).textContent(), /no locks held/);
        assert.match(await card(page, node).getByLabel(`Log of n${node}`).textContent(), /abort t1/);
      }
      assert.match(await card(page, 0).getByLabel('Log of n0').textContent(), /abort t1/);

      const safety = page.getByRole('region', { name: 'Safety' });
      await safety.getByText('Atomicity').waitFor();
      assert.equal(await safety.getByText('violated').count(), 0, 'correct 2PC stays atomic');
      await page.getByRole('region', { name: 'Participants' }).scrollIntoViewIfNeeded();
      await screenshot(page, `transactions-${name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

// Three-phase commit: the coordinator crashes after its pre-commit went out, and the three
// participants, pre-committed, finish t1 on their own while it is still down. One viewport.
test('under three-phase commit the participants commit without the crashed coordinator', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/transactions`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: /Transactions/ }).waitFor();
  await page.getByLabel('Scenario', { exact: true }).selectOption('transactions-3pc-coordinator-crash');
  await page.getByLabel('Speed', { exact: true }).selectOption('20');
  const allPreCommitted = async () => {
    const headings = await Promise.all(participants.map((node) => heading(page, node)));
    return headings.every((text) => text.includes('pre-committed'));
  };
  await playUntil(page, allPreCommitted, 'the participants to pre-commit');
  assert.match(await heading(page, 0), /crashed/);
  await page.getByRole('region', { name: 'Participants' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'transactions-3pc-pre-committed-desktop-light');

  await playUntil(page, async () => (await summary(page)) === 'No participant is in doubt.', 'the participants to finish');
  assert.match(await heading(page, 0), /crashed/, 'the coordinator is still down');
  for (const node of participants) {
    assert.match(await card(page, node).getByLabel(`Locks held by n${node}`).textContent(), /no locks held/);
    assert.match(await card(page, node).getByLabel(`Log of n${node}`).textContent(), /pre-committed t1.*commit t1/s);
  }
  const safety = page.getByRole('region', { name: 'Safety' });
  await safety.getByText('Atomicity').waitFor();
  assert.equal(await safety.getByText('violated').count(), 0);
  await page.getByRole('region', { name: 'Participants' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'transactions-3pc-finished-desktop-light');
  assert.deepEqual(problems, []);
  await context.close();
});
