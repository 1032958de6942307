// The gossip lab in the browser: a learner plays the crash preset (32 members, n7 crashes at
// 1 s) and watches the membership panel: n7 is suspected, then declared dead, until every one
// of the 31 running members holds it dead, while no healthy member is declared dead.
// Screenshots at desktop and narrow widths, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

const env = useSite();

const play = (page) => page.getByRole('button', { name: 'Play', exact: true }).click();
const pause = (page) => page.getByRole('button', { name: 'Pause', exact: true }).click();

/** Plays until `predicate` holds (polling), then pauses; fails naming `what` on timeout. */
async function playUntil(page, predicate, what, timeoutMs = 20000) {
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
    test(`a crashed member is suspected, declared dead and known dead by all (${name}, ${colorScheme})`, async () => {
      const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/gossip`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.getByRole('heading', { level: 1, name: /Gossip/ }).waitFor();
      assert.equal(await page.locator('.cluster-view g.node').count(), 32, 'the crash preset has 32 members');
      const membership = page.getByRole('region', { name: 'Membership' });
      await membership.getByText('32 members: 32 alive, 0 suspected, 0 declared dead by someone.').waitFor();
      await page.getByLabel('Speed', { exact: true }).selectOption('100');

      const row = membership.locator('tbody tr', { has: page.getByRole('rowheader', { name: 'n7', exact: true }) });
      const verdict = () => row.locator('td').first().textContent();
      await playUntil(page, async () => (await verdict()).includes('◐ suspect'), 'n7 to be suspected');
      await page.getByRole('region', { name: 'Membership' }).scrollIntoViewIfNeeded();
      await screenshot(page, `gossip-suspected-${name}-${colorScheme}`);

      await playUntil(page, async () => (await row.textContent()).includes('31 dead'), 'every running member to hold n7 dead');
      const cells = await row.locator('td').allTextContents();
      assert.match(cells[0], /✕ dead/, 'the verdict is told by shape and word');
      assert.equal(cells[2], 'crashed');
      await membership.getByText('32 members: 31 alive, 0 suspected, 1 declared dead by someone.').waitFor();

      const safety = page.getByRole('region', { name: 'Safety' });
      await safety.getByText('No healthy member declared dead').waitFor();
      assert.equal(await safety.getByText('violated').count(), 0, 'correct SWIM declares no healthy member dead');
      await screenshot(page, `gossip-${name}-${colorScheme}`);
      await membership.scrollIntoViewIfNeeded();
      await screenshot(page, `gossip-membership-${name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
