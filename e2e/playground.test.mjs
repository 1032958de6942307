// The playground shell on the broadcast lab: add, crash, cut, play, pause, scrub back.
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

const nodes = (page) => page.locator('.cluster-view g.node');
const clock = async (page) => parseFloat((await page.locator('.playback .clock').textContent()).replace(' s', ''));

for (const [name, viewport] of Object.entries(viewports)) {
  test(`a learner can break the broadcast cluster and rewind it at ${name} width`, async () => {
    const { page, context, problems } = await openPage(browser, `${site.url}#/broadcast`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Broadcast' }).waitFor();
    assert.equal(await nodes(page).count(), 5, 'the basic preset starts with five nodes');

    await page.getByRole('button', { name: 'Add node' }).click();
    assert.equal(await nodes(page).count(), 6, 'Add node adds a sixth node');

    // Play at full speed for a moment so messages flow.
    await page.getByLabel('Speed', { exact: true }).selectOption('100');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.cluster-view .message').length > 0, null, { timeout: 10000 });
    await page.waitForTimeout(600);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const playedTo = await clock(page);
    assert.ok(playedTo > 0.2, `time moved while playing (clock ${playedTo} s)`);

    // Crash node n1 from the inspector.
    await page.getByRole('button', { name: /^Node n1,/ }).click();
    await page.getByRole('button', { name: 'Crash', exact: true }).click();
    await page.getByRole('button', { name: /^Node n1, .*crashed/ }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Restart' }).isVisible(), 'a crashed node offers Restart');

    // Cut the link between n2 and n3 from the inspector's link list.
    await page.getByRole('button', { name: /^Node n2,/ }).click();
    await page.getByText('Links of n2').click();
    await page.getByRole('button', { name: 'Cut link n2–n3' }).click();
    await page.getByRole('button', { name: 'Heal link n2–n3' }).waitFor();
    assert.ok((await page.locator('.cluster-view line.link.cut').count()) >= 1, 'the cut link is drawn cut');

    // Play on, then scrub back to the start: time travel.
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(400);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await screenshot(page, `playground-broadcast-${name}`);
    const before = await clock(page);
    await page.getByLabel('Time').fill('50');
    const after = await clock(page);
    assert.ok(after < before, `scrubbing back moves the clock back (${before} s → ${after} s)`);
    assert.ok(Math.abs(after - 0.05) < 0.01, `the clock shows the scrubbed time (${after} s)`);
    await screenshot(page, `playground-broadcast-${name}-rewound`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
