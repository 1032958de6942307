// The Paxos lab: a learner opens it from the gallery's list, plays the basic preset to a
// chosen value, and asks two nodes to propose different values; the safety panel keeps
// Agreement. Screenshots at desktop and narrow widths, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

const env = useSite();

for (const [name, viewport] of Object.entries(viewports)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`a learner runs Paxos to a chosen value and keeps Agreement (${name}, ${colorScheme})`, async () => {
      const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/paxos`, viewport);
      await page.emulateMedia({ colorScheme });
      await page.getByRole('heading', { level: 1, name: /Paxos/ }).waitFor();
      assert.equal(await page.locator('.cluster-view g.node').count(), 5, 'the basic preset has five nodes');

      // Two proposers with different values, then play.
      await page.getByRole('button', { name: /^Node n1,/ }).click();
      await page.getByRole('button', { name: 'Propose "red" here' }).click();
      await page.getByRole('button', { name: /^Node n3,/ }).click();
      await page.getByRole('button', { name: 'Propose "blue" here' }).click();
      await page.getByLabel('Speed', { exact: true }).selectOption('100');
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await page.waitForTimeout(1500);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();

      const safety = page.getByRole('region', { name: 'Safety' });
      await safety.getByText('Agreement').waitFor();
      assert.equal(await safety.getByText('violated').count(), 0, 'correct Paxos violates nothing');
      await screenshot(page, `paxos-${name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
