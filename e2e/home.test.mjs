// The home page, built in release and served as a static site.
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

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the home page shows the title and every lab card at ${name} width`, async () => {
    const { page, context, problems } = await openPage(browser, site.url, viewport);
    await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
    const cards = page.locator('.gallery .lab-card');
    assert.ok((await cards.count()) >= 4, 'at least four lab cards');
    await assert.doesNotReject(page.getByRole('link', { name: 'Open the Raft consensus lab' }).waitFor());
    await screenshot(page, `home-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
