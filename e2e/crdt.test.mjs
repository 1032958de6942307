// The CRDT lab in the browser: a learner lets the text preset converge, partitions n0 from the
// other two replicas, types into n0's and n1's text boxes while they are apart, heals, and
// sees every replica show the same text, with strong eventual consistency holding.
// Screenshots at desktop and narrow widths, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

const env = useSite();

const play = (page) => page.getByRole('button', { name: 'Play', exact: true }).click();
const pause = (page) => page.getByRole('button', { name: 'Pause', exact: true }).click();
const text = (page, node) => page.getByLabel(`Text on n${node}`, { exact: true }).inputValue();

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

const allEqual = async (page) => {
  const texts = await Promise.all([0, 1, 2].map((node) => text(page, node)));
  return texts.every((one) => one === texts[0]) ? texts[0] : null;
};

for (const [name, viewport] of Object.entries(viewports)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`two replicas edited apart converge to one text after healing (${name}, ${colorScheme})`, async () => {
      const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/crdt`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.getByRole('heading', { level: 1, name: /CRDT/ }).waitFor();
      assert.equal(await page.locator('.cluster-view g.node').count(), 3, 'the text preset has three replicas');
      await page.getByLabel('Speed', { exact: true }).selectOption('100');

      // The preset's own partition heals and its edits merge.
      await playUntil(page, async () => (await allEqual(page)) === 'Replicas converge by merging', 'the preset to converge');

      // Cut n0 off from n1 and n2, then edit both sides.
      await page.getByRole('button', { name: 'Partition', exact: true }).click();
      await page.getByRole('button', { name: /^Node n0,/ }).click();
      await page.getByRole('button', { name: 'Apply partition' }).click();
      await page.getByLabel('Text on n0', { exact: true }).fill('Replicas converge by merging, always');
      await page.getByLabel('Text on n1', { exact: true }).fill('Most replicas converge by merging');
      await page.getByRole('heading', { level: 2, name: /Replicas side by side/ }).click();
      await playUntil(page, async () => (await text(page, 2)) === 'Most replicas converge by merging', 'n1 to reach n2');
      assert.equal(await text(page, 0), 'Replicas converge by merging, always', 'n0 is cut off: it keeps its own edit');
      await page.getByText('The running replicas show 2 different values.').waitFor();
      await page.getByRole('region', { name: 'Replicas' }).scrollIntoViewIfNeeded();
      await screenshot(page, `crdt-partitioned-${name}-${colorScheme}`);

      await page.getByRole('button', { name: 'Heal all' }).click();
      const merged = await playUntil(page, () => allEqual(page), 'the replicas to converge after healing');
      assert.equal(merged, 'Most replicas converge by merging, always', 'both edits survive the merge');
      await page.getByText('Every running replica shows the same value.').waitFor();

      const safety = page.getByRole('region', { name: 'Safety' });
      await safety.getByText('Strong eventual consistency').waitFor();
      assert.equal(await safety.getByText('violated').count(), 0, 'a correct CRDT violates nothing');
      // Every replica's payload: the characters with their ids, the "R" n2 typed and n1 replaced marked deleted.
      const state = page.getByRole('article', { name: 'Replica n0' }).locator('details');
      await state.locator('summary').click();
      assert.match(await state.locator('pre').textContent(), /'R'@\d+\.2†/);
      await page.getByRole('region', { name: 'Replicas' }).scrollIntoViewIfNeeded();
      await screenshot(page, `crdt-${name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
