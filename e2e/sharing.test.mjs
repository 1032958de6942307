// Sharing and embedding: a share link reopens the exact run, an exported scenario replays in
// the CLI to the same trace hash, malformed links fall back with a message, and the example
// blog page drives its embedded labs through the postMessage API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useSite, openPage, screenshot, viewports, shotsDir, dialogText } from './harness.mjs';

const run = promisify(execFile);

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

const fingerprint = async (page) => (await page.locator('.about .fingerprint').textContent()).trim();
const clockMs = async (page) =>
  Math.round(parseFloat((await page.locator('.playback .clock').textContent()).replace(' s', '')) * 1000);

for (const [name, viewport] of Object.entries(viewports)) {
  test(`a share link and an exported scenario reproduce the run at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/broadcast`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Broadcast' }).waitFor();

    // Change a parameter (the seed), then act: crash a node and cut a link while time flows.
    const seed = page.getByRole('textbox', { name: 'Seed' });
    await seed.fill('77');
    await seed.press('Enter');
    await seed.blur();
    await page.getByLabel('Speed').selectOption('100');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(300);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('button', { name: /^Node n1,/ }).click();
    await page.getByRole('button', { name: 'Crash', exact: true }).click();
    await page.getByRole('button', { name: /^Node n2,/ }).click();
    await page.getByText('Links of n2').click();
    await page.getByRole('button', { name: 'Cut link n2–n3' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(400);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();

    // Seek to a whole millisecond just before now, after both actions, so the CLI (which
    // takes whole milliseconds) can run to the same moment.
    const untilMs = (await clockMs(page)) - 3;
    await page.getByLabel('Time', { exact: true }).fill(String(untilMs));
    assert.equal(await clockMs(page), untilMs, 'the seek landed on a whole millisecond');
    const expected = await fingerprint(page);
    assert.match(await page.locator('.about .seed').textContent(), /77/);

    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const link = await dialogText(page, 'Link');
    assert.match(link, /#\/broadcast\?s=1[A-Za-z0-9_-]+&t=\d+/, link);
    await screenshot(page, `sharing-dialog-${name}`);

    // The embed snippet carries the same run.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    const snippet = await dialogText(page, 'Snippet');
    assert.match(snippet, /^<iframe src="[^"]*\?embed&amp;lab=broadcast#\/broadcast\?s=1[A-Za-z0-9_-]+&amp;t=\d+"/, snippet);
    assert.equal(snippet.match(/s=(1[A-Za-z0-9_-]+)/)[1], link.match(/s=(1[A-Za-z0-9_-]+)/)[1], 'the same encoded run');

    // The exported JSON, run headless to the same time, gives the same trace hash.
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('.export-menu summary').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download scenario JSON' }).click(),
    ]);
    await mkdir(shotsDir, { recursive: true });
    const file = join(shotsDir, `sharing-${name}.json`);
    await download.saveAs(file);
    const { stdout } = await run(
      'cargo',
      ['run', '-q', '-p', 'netsplit-core', '--features', 'cli', '--bin', 'netsplit', '--', 'run', file, '--until', String(untilMs)],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error) => ({ stdout: error.stdout })); // exit code 1 only means a violation
    const report = JSON.parse(stdout);
    assert.equal(report.trace_hash, expected, 'the CLI replays the exported scenario to the same fingerprint');

    // A fresh page opened on the link shows the same fingerprint.
    const fresh = await openPage(env.browser, link, viewport);
    await fresh.page.locator('.about .fingerprint').waitFor();
    assert.equal(await fingerprint(fresh.page), expected, 'the share link reproduces the fingerprint');
    assert.match(await fresh.page.locator('.about .seed').textContent(), /77/);
    await screenshot(fresh.page, `sharing-opened-${name}`);
    assert.deepEqual(fresh.problems, []);
    await fresh.context.close();

    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a malformed share link shows a message and the default scenario', async () => {
  for (const hash of ['#/raft?s=1eJy', '#/raft?s=7abcdef', '#/raft?s=1%%%']) {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}${hash}`);
    await page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
    const notice = page.locator('.notice[role="alert"]');
    await notice.waitFor();
    assert.match(await notice.textContent(), /could not be opened.*default scenario/, hash);
    assert.ok((await page.locator('.cluster-view g.node').count()) > 0, 'the default run is drawn');
    assert.deepEqual(problems, []);
    await screenshot(page, 'sharing-malformed-link');
    await context.close();
  }
});

test('a host page loads a share link into an embedded lab, and a corrupted one is refused with a warning', async () => {
  // A link to the leader-crash preset, made by the full page's Share dialog.
  const made = await openPage(env.browser, `${env.site.url}#/raft`);
  await made.page.getByRole('combobox', { name: 'Scenario', exact: true }).selectOption('raft-leader-crash');
  await made.page.getByRole('button', { name: 'Share', exact: true }).click();
  const link = await dialogText(made.page, 'Link');
  const encoded = new URL(link).hash.match(/[?&]s=([^&]+)/)[1];
  await made.context.close();

  const { page, context, problems } = await openPage(env.browser, `${env.site.url}embed-example.html`);
  const warnings = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  await page.waitForFunction(() => /ready|leader/.test(document.querySelector('[data-log="raft"]').textContent), null, { timeout: 30000 });
  const frame = page.frameLocator('#frame-raft');
  const post = (message) => page.evaluate((m) => document.getElementById('frame-raft').contentWindow.postMessage(m, '*'), message);

  // The browser inflates the link inside the frame, then the frame starts over from it.
  await post({ netsplit: 1, type: 'load', link: encoded });
  await frame.locator('.scenario-description', { hasText: 'the leader crashes' }).waitFor({ state: 'attached' });

  // Valid base64 that is not DEFLATE: checked only once inflated, so refused later, in words.
  await post({ netsplit: 1, type: 'load', link: '1_____w' });
  for (let i = 0; i < 50 && !warnings.some((w) => /ignored a host message: link: .*not valid DEFLATE/.test(w)); i++) {
    await page.waitForTimeout(100);
  }
  assert.ok(warnings.some((w) => /ignored a host message: link: .*not valid DEFLATE/.test(w)), warnings.join('\n'));
  assert.ok(await frame.locator('.scenario-description', { hasText: 'the leader crashes' }).count() > 0, 'the loaded run stays');
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the example blog page's buttons drive its three embedded labs at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}embed-example.html`, viewport);
    const log = (frame) => page.locator(`[data-log="${frame}"]`);
    for (const frame of ['raft', 'broadcast', 'partition']) {
      await page.waitForFunction((f) => /ready|leader/.test(document.querySelector(`[data-log="${f}"]`).textContent), frame, { timeout: 30000 });
    }
    const raftFrame = page.frameLocator('#frame-raft');
    assert.equal(await raftFrame.locator('body.embed').count(), 1, 'the frame is in embed mode');
    assert.equal(await raftFrame.locator('.site-header').isVisible(), false, 'embeds hide the site header');
    assert.equal(await raftFrame.getByRole('button', { name: 'Add node' }).isVisible(), false, 'controls= hides Add node');

    // Raft: play until a leader is elected, crash it, and see another one elected.
    await page.locator('button[data-frame="raft"][data-command="play"]').click();
    await page.waitForFunction(() => /became leader/.test(document.querySelector('[data-log="raft"]').textContent), null, { timeout: 30000 });
    const first = (await log('raft').textContent()).match(/Node (\d+)/)[1];
    await page.getByRole('button', { name: 'Crash the leader' }).click();
    await page.waitForFunction(
      (old) => { const m = document.querySelector('[data-log="raft"]').textContent.match(/Node (\d+) became leader/); return m && m[1] !== old; },
      first, { timeout: 30000 },
    );

    // Broadcast: the cut link is drawn cut inside the frame.
    await page.getByRole('button', { name: 'Cut link n1–n2' }).click();
    await page.frameLocator('#frame-broadcast').locator('.cluster-view line.link.cut').first().waitFor();

    // Partition: seeking reports the new time back to the host.
    await page.getByRole('button', { name: 'Go to 2 s' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-log="partition"]').dataset.timeMs) >= 2000, null, { timeout: 10000 });
    await page.locator('#frame-partition').scrollIntoViewIfNeeded();
    await screenshot(page, `sharing-embed-example-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
