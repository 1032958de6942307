// The rate limiting lab: switch the traffic to bursty and see the fixed window and the sliding
// window log decide the same requests differently; then the distributed limiter's live figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useSite, openPage, screenshot, viewports, shotsDir, dialogText, recordBundles } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

/** Each request's decision ("admit", "reject", "delay") on one algorithm's timeline, in order. */
const decisions = (page, algorithm) =>
  page.$$eval(`.rl-timeline[data-algorithm="${algorithm}"] .rl-mark`, (marks) =>
    marks.map((mark) => mark.getAttribute('data-decision')));

/** The indices of the requests two algorithms decide differently (a delay counts as admitted). */
const differing = (first, second) =>
  first.map((decision, index) => [decision === 'reject', second[index] === 'reject', index])
    .filter(([a, b]) => a !== b)
    .map(([, , index]) => index);

for (const [name, viewport] of Object.entries(viewports)) {
  test(`bursty traffic makes the fixed window and the sliding log disagree at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/ratelimit`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Rate limiting' }).waitFor();
    assert.equal(await page.locator('.rl-timeline').count(), 5, 'the boundary burst preset compares five algorithms');
    assert.match(await page.locator('.rl-preset-description').textContent(), /twice the limit/);

    // Start from steady traffic at the limit's rate, with no hand-drawn requests: they agree.
    await page.getByRole('button', { name: 'Clear hand-drawn requests' }).click();
    await page.getByLabel('Pattern').selectOption('steady');
    const steadyFixed = await decisions(page, 'fixed_window');
    const steadyLog = await decisions(page, 'sliding_window_log');
    assert.equal(steadyFixed.length, 30, 'one request every 100 ms for 3 s');
    assert.deepEqual(differing(steadyFixed, steadyLog), [], 'steady traffic: no disagreement');
    assert.equal(await page.locator('.rl-pair-count').textContent(), '0');

    // Bursty traffic: the same requests, decided differently.
    await page.getByLabel('Pattern').selectOption('bursty');
    const fixed = await decisions(page, 'fixed_window');
    const log = await decisions(page, 'sliding_window_log');
    assert.equal(fixed.length, log.length, 'both see the same requests');
    const differ = differing(fixed, log);
    assert.ok(differ.length > 0, 'bursty traffic: some request is admitted by one and rejected by the other');
    assert.equal(await page.locator('.rl-pair-count').textContent(), String(differ.length),
      'the page counts the same disagreements as its marks show');
    const fixedMax = Number(await page.locator('.rl-timeline[data-algorithm="fixed_window"] .rl-window-max').textContent());
    const logMax = Number(await page.locator('.rl-timeline[data-algorithm="sliding_window_log"] .rl-window-max').textContent());
    assert.ok(fixedMax > 10, `the fixed window lets more than the limit through in some window (${fixedMax})`);
    assert.equal(logMax, 10, 'the sliding log never does');

    // An out-of-range value is refused next to its field, with the reason.
    await page.getByLabel('Limit (requests per window)').fill('0');
    assert.match(await page.locator('#rl-limit-error').textContent(), /out of range/);
    assert.equal(await page.getByLabel('Limit (requests per window)').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Limit (requests per window)').fill('10');
    assert.equal(await page.locator('#rl-limit-error').count(), 0);

    // A click on a timeline adds a request there.
    const before = fixed.length;
    const track = page.locator('.rl-timeline[data-algorithm="fixed_window"] svg.rl-track');
    const box = await track.boundingBox();
    await track.click({ position: { x: box.width * 0.5, y: 20 } });
    assert.equal((await decisions(page, 'fixed_window')).length, before + 1, 'the click added one request');

    // Play moves the cursor; pause stops it.
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const clock = await page.locator('.rl-clock').textContent();
    assert.ok(parseFloat(clock) > 0, `the cursor moved (${clock})`);
    await screenshot(page, `ratelimit-side-by-side-${name}`);
    await page.locator('.rl-results').screenshot({ path: join(shotsDir, `ratelimit-timelines-${name}.png`) });

    // The distributed limiter on the engine, with its live figure.
    await page.getByRole('tab', { name: 'Distributed limiter' }).click();
    await page.locator('.cluster-view').waitFor();
    await page.getByLabel('Speed').selectOption('100');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    // The central counter crashes at 2 s and the nodes fail open: the cluster goes over its limit.
    await page.waitForFunction(() => Number(document.querySelector('.rl-over')?.textContent) > 0, null, { timeout: 30000 });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    assert.ok(Number(await page.locator('.rl-answered').textContent()) > 30, 'requests were answered');
    assert.match(await page.locator('.rl-over-percent').textContent(), /^[1-9]\d*\.\d %$|^0\.[1-9] %$/);
    await screenshot(page, `ratelimit-distributed-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the page downloads its side-by-side view alone, the distributed tab brings its own bundle, and a share link from that tab replays there', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/ratelimit`, viewports.desktop);
  const bundles = recordBundles(page);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Rate limiting' }).waitFor();
  await page.locator('.rl-timeline').first().waitFor();
  assert.deepEqual(bundles, ['netsplit-ratelimit_bg.wasm.xz'], 'the side-by-side view alone');

  await page.getByRole('tab', { name: 'Distributed limiter' }).click();
  await page.locator('.cluster-view').waitFor();
  assert.deepEqual(bundles, ['netsplit-ratelimit_bg.wasm.xz', 'netsplit-ratelimit-distributed_bg.wasm.xz'],
    'the distributed tab downloads its bundle when it opens');
  assert.equal(await page.getByRole('tabpanel').count(), 1, 'one tab panel at a time');

  // Run a while, crash a limiter node, and share.
  await page.getByLabel('Speed').selectOption('100');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => Number(document.querySelector('.rl-answered')?.textContent) > 10);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const fingerprint = async (on) => (await on.locator('.about .fingerprint').textContent()).trim();
  const expected = await fingerprint(page);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const link = await dialogText(page, 'Link');
  assert.match(link, /#\/ratelimit\?s=1[A-Za-z0-9_-]+&t=\d+/, link);

  // Back to the side-by-side view and again: the part hides and comes back without a second download.
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('tab', { name: 'Side by side' }).click();
  await page.locator('.rl-timeline').first().waitFor();
  assert.equal(await page.locator('.cluster-view').count(), 0, 'the hidden part renders nothing');
  await page.getByRole('tab', { name: 'Distributed limiter' }).click();
  await page.locator('.cluster-view').waitFor();
  assert.equal(bundles.length, 2, `no second download: ${bundles}`);
  assert.deepEqual(problems, []);
  await context.close();

  // The link opens the distributed tab on the shared run, to the same fingerprint.
  const fresh = await openPage(env.browser, link, viewports.narrow);
  await fresh.page.locator('.about .fingerprint').waitFor();
  assert.equal(await fresh.page.getByRole('tab', { name: 'Distributed limiter' }).getAttribute('aria-selected'), 'true');
  assert.equal(await fingerprint(fresh.page), expected, 'the share link reproduces the fingerprint');
  await screenshot(fresh.page, 'ratelimit-shared-narrow');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

test('a distributed tab whose bundle cannot be downloaded says so, and the side-by-side view keeps working', async () => {
  const { page, context } = await openPage(env.browser, `${env.site.url}#/ratelimit`, viewports.narrow);
  await page.locator('.rl-timeline').first().waitFor();
  await page.route('**/netsplit-ratelimit-distributed*', (route) => route.abort('internetdisconnected'));
  await page.getByRole('tab', { name: 'Distributed limiter' }).click();
  const alert = page.getByRole('tabpanel').getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not load this view.*netsplit-ratelimit-distributed/s);
  await screenshot(page, 'ratelimit-part-offline-narrow');
  await page.getByRole('tab', { name: 'Side by side' }).click();
  await page.getByLabel('Pattern').selectOption('bursty');
  assert.ok((await page.locator('.rl-timeline[data-algorithm="fixed_window"] .rl-mark').count()) > 0);
  await context.close();
});
