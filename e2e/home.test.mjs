// The home page, built in release and served as a static site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the home page shows the title and every lab card at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, env.site.url, viewport);
    await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
    const cards = page.locator('.gallery .lab-card');
    assert.ok((await cards.count()) >= 4, 'at least four lab cards');
    await assert.doesNotReject(page.getByRole('link', { name: 'Open the Raft consensus lab' }).waitFor());
    await screenshot(page, `home-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
