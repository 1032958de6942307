// Sharing and embedding: a share link reopens the exact run, an exported scenario replays in
// the CLI to the same trace hash, malformed links fall back with a message, and the example
// blog page drives its embedded labs through the postMessage API. The hashing page and the
// rate limiting side-by-side view share, embed and export their whole state the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { useSite, openPage, screenshot, viewports, shotsDir, dialogText } from './harness.mjs';

const run = promisify(execFile);

/** The program and arguments that run the `netsplit` CLI with `args`: the binary `cargo xtask
 * test` built for the core's tests (NETSPLIT_CLI), or else cargo, which builds it. */
const netsplit = (...args) => (process.env.NETSPLIT_CLI
  ? [process.env.NETSPLIT_CLI, args]
  : ['cargo', ['run', '-q', '-p', 'netsplit-core', '--features', 'cli', '--bin', 'netsplit', '--', ...args]]);

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
      ...netsplit('run', file, '--until', String(untilMs)),
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

// The pages that are not engine runs share too: the consistent hashing page (a model with its
// own scenario format) and the rate limiting side-by-side view. A link carries the page's
// whole state; opening it, embedding it or importing its exported JSON rebuilds the same
// figures, and the CLI accepts the export.

/** A share link's `s` for JSON text, written as the core's `share::encode_json` writes it. */
const encoded = (json) => `1${deflateRawSync(Buffer.from(json)).toString('base64url')}`;

/** The address an embed snippet's frame opens. */
const snippetSource = (snippet) => snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');

/** Downloads the page's scenario through Export and returns the file's path. */
const exportScenario = async (page, file) => {
  await page.locator('.export-menu summary').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download scenario JSON' }).click(),
  ]);
  await mkdir(shotsDir, { recursive: true });
  const path = join(shotsDir, file);
  await download.saveAs(path);
  await page.locator('.export-menu summary').click();
  return path;
};

/** Opens a scenario file through the Export menu's file picker. */
const importScenario = async (page, path) => {
  await page.locator('.export-menu summary').click();
  await page.getByLabel('Open scenario file').setInputFiles(path);
};

/** Runs the CLI; its exit code and the JSON it printed. */
const cli = async (...args) => {
  const { stdout, code } = await run(
    ...netsplit(...args),
    { maxBuffer: 64 * 1024 * 1024 },
  ).then((result) => ({ ...result, code: 0 })).catch((error) => ({ stdout: error.stdout, code: error.code }));
  return { code, report: JSON.parse(stdout) };
};

/** Screenshots of the open share dialog, light and dark. */
const dialogShots = async (page, name) => {
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await screenshot(page, `${name}-${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
};

/** What the hashing page shows: its controls, the last change, the selected key, every scheme. */
const hashingFigures = async (page) => ({
  scheme: await page.getByLabel('Scheme', { exact: true }).inputValue(),
  vnodes: await page.locator('#hashing-vnodes').inputValue(),
  keys: await page.locator('#hashing-keys').inputValue(),
  moved: (await page.locator('.hashing-moved').textContent()).trim(),
  members: (await page.locator('.hashing-membership p.muted').textContent()).trim(),
  walk: (await page.locator('.key-walk').textContent()).trim(),
  comparison: (await page.locator('.hashing-comparison').textContent()).trim(),
  dots: await page.locator('.hashing-ring .key').count(),
});

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the hashing page shares, embeds and exports its whole state at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/hashing`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Consistent hashing' }).waitFor();

    // Change the page: a node joins, fewer virtual nodes, a typed key, another scheme, a crash.
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.locator('.hashing-moved', { hasText: 'add node 10' }).waitFor();
    await page.locator('#hashing-vnodes').fill('40');
    await page.locator('#hashing-vnodes').press('Enter');
    await page.locator('#hashing-typed-key').fill('bob');
    await page.getByRole('button', { name: 'Find key' }).click();
    await page.locator('.key-walk', { hasText: 'bob' }).waitFor();
    await page.getByLabel('Scheme', { exact: true }).selectOption('bounded_loads');
    await page.getByRole('button', { name: 'Crash node' }).click();
    await page.locator('.hashing-moved', { hasText: 'crash node 10' }).waitFor();
    const expected = await hashingFigures(page);
    assert.equal(expected.vnodes, '40');
    assert.equal(expected.scheme, 'bounded_loads');

    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const link = await dialogText(page, 'Link');
    assert.match(link, /#\/hashing\?s=1[A-Za-z0-9_-]+$/, link);
    await dialogShots(page, `sharing-hashing-dialog-${name}`);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    const snippet = await dialogText(page, 'Snippet');
    assert.match(snippet, /^<iframe src="[^"]*\?embed&amp;lab=hashing#\/hashing\?s=1[A-Za-z0-9_-]+"/, snippet);
    assert.equal(snippet.match(/s=(1[A-Za-z0-9_-]+)/)[1], link.match(/s=(1[A-Za-z0-9_-]+)/)[1], 'the same encoded page');
    await page.getByRole('button', { name: 'Close' }).click();

    // The export runs in the CLI, which measures the same change the page shows.
    const file = await exportScenario(page, `sharing-hashing-${name}.json`);
    const { code, report } = await cli('run', file);
    assert.equal(code, 0);
    assert.equal(report.scheme, 'bounded_loads');
    assert.equal(report.changes.length, 2);
    const moved = Number(expected.moved.match(/\(([\d,]+) of/)[1].replaceAll(',', ''));
    assert.equal(report.changes[1].metrics.keys_moved, moved, 'the CLI counts the keys the page says moved');
    assert.equal(report.selected_key.name, 'bob');
    assert.deepEqual(problems, []);
    await context.close();

    // The link, in a fresh page: the same controls and figures.
    const fresh = await openPage(env.browser, link, viewport);
    await fresh.page.locator('.hashing-moved', { hasText: 'crash node 10' }).waitFor();
    assert.deepEqual(await hashingFigures(fresh.page), expected, 'the link rebuilds the page');
    await screenshot(fresh.page, `sharing-hashing-opened-${name}`);
    assert.deepEqual(fresh.problems, []);
    await fresh.context.close();

    // The embed snippet's frame address opens the same page, in embed mode.
    const embedded = await openPage(env.browser, snippetSource(snippet), viewport);
    await embedded.page.locator('.hashing-moved', { hasText: 'crash node 10' }).waitFor();
    assert.equal(await embedded.page.locator('body.embed').count(), 1, 'embed mode');
    assert.deepEqual(await hashingFigures(embedded.page), expected, 'the embed opens the same page');
    assert.deepEqual(embedded.problems, []);
    await embedded.context.close();

    // The exported file, opened in a fresh page, rebuilds it too.
    const imported = await openPage(env.browser, `${env.site.url}#/hashing`, viewport);
    await imported.page.getByRole('heading', { level: 1, name: 'Consistent hashing' }).waitFor();
    await importScenario(imported.page, file);
    await imported.page.locator('.hashing-moved', { hasText: 'crash node 10' }).waitFor();
    assert.deepEqual(await hashingFigures(imported.page), expected, 'the import rebuilds the page');
    assert.deepEqual(imported.problems, []);
    await imported.context.close();
  });
}

/** Each algorithm's decisions on the side-by-side view, by algorithm. */
const sideBySideDecisions = (page) =>
  page.$$eval('.rl-timeline', (timelines) => Object.fromEntries(timelines.map((timeline) => [
    timeline.getAttribute('data-algorithm'),
    [...timeline.querySelectorAll('.rl-mark')].map((mark) => mark.getAttribute('data-decision')),
  ])));

/** What the side-by-side view shows: its form, its cursor and every decision. */
const sideBySideFigures = async (page) => ({
  limit: await page.getByLabel('Limit (requests per window)').inputValue(),
  pattern: await page.getByLabel('Pattern').inputValue(),
  preset: await page.locator('#rl-preset').inputValue(),
  clock: (await page.locator('.rl-clock').textContent()).trim(),
  summary: (await page.locator('.rl-summary').textContent()).trim(),
  decisions: await sideBySideDecisions(page),
});

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the rate limiting side-by-side view shares, embeds and exports its whole state at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/ratelimit`, viewport);
    await page.locator('.rl-timeline').first().waitFor();

    // Change the view: bursty traffic, a lower limit, one algorithm fewer, a drawn request, the cursor.
    await page.getByLabel('Pattern').selectOption('bursty');
    await page.getByLabel('Limit (requests per window)').fill('8');
    await page.getByRole('checkbox', { name: 'GCRA', exact: true }).uncheck();
    const track = page.locator('.rl-timeline[data-algorithm="fixed_window"] svg.rl-track');
    const box = await track.boundingBox();
    await track.click({ position: { x: box.width * 0.4, y: 20 } });
    await page.getByLabel('Cursor (ms)').fill('1500');
    const expected = await sideBySideFigures(page);
    assert.equal(Object.keys(expected.decisions).length, 4, 'four algorithms');
    assert.equal(expected.clock, '1500 ms');

    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const link = await dialogText(page, 'Link');
    assert.match(link, /#\/ratelimit\?s=1[A-Za-z0-9_-]+&t=1500$/, link);
    await dialogShots(page, `sharing-ratelimit-dialog-${name}`);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Embed', exact: true }).click();
    const snippet = await dialogText(page, 'Snippet');
    assert.match(snippet, /^<iframe src="[^"]*\?embed&amp;lab=ratelimit#\/ratelimit\?s=1[A-Za-z0-9_-]+&amp;t=1500"/, snippet);
    await page.getByRole('button', { name: 'Close' }).click();

    // The export is a scenario the CLI runs, and its decisions are the page's.
    const file = await exportScenario(page, `sharing-ratelimit-${name}.json`);
    const ran = await cli('run', file);
    assert.notEqual(ran.code, 2, 'the CLI accepts the export');
    assert.equal(ran.report.lab, 'ratelimit');
    const { code, report } = await cli('decisions', file, '--json');
    assert.equal(code, 0);
    const kind = (decision) => (typeof decision === 'string' ? decision : Object.keys(decision)[0]);
    assert.deepEqual(
      Object.fromEntries(report.comparison.runs.map((run) => [run.algorithm, run.decisions.map(kind)])),
      expected.decisions,
      'the CLI decides every request as the page does',
    );
    assert.deepEqual(problems, []);
    await context.close();

    // The link, in a fresh page: the side-by-side view with the same form, cursor and decisions.
    const fresh = await openPage(env.browser, link, viewport);
    await fresh.page.locator('.rl-timeline').first().waitFor();
    assert.equal(await fresh.page.getByRole('tab', { name: 'Side by side' }).getAttribute('aria-selected'), 'true');
    assert.deepEqual(await sideBySideFigures(fresh.page), expected, 'the link rebuilds the view');
    assert.equal(await fresh.page.locator('.rl-modified').count(), 1, 'the preset is marked changed');
    await screenshot(fresh.page, `sharing-ratelimit-opened-${name}`);

    // The distributed tab is not handed this link: it starts from its own menu, whose every
    // choice is a distributed run with a summary that reads.
    await fresh.page.getByRole('tab', { name: 'Distributed limiter' }).click();
    await fresh.page.locator('.cluster-view').waitFor();
    assert.equal(await fresh.page.getByRole('combobox', { name: 'Scenario', exact: true }).count(), 0, 'no second menu');
    const options = await fresh.page.locator('#rl-distributed-preset option').count();
    for (let index = 0; index < options; index++) {
      await fresh.page.locator('#rl-distributed-preset').selectOption({ index });
      const summary = await fresh.page.locator('.rl-global .muted').first().textContent();
      assert.match(summary, /over all limiter nodes; \w[^,]*, \w[^.]*\.$/, summary);
    }
    assert.deepEqual(fresh.problems, []);
    await fresh.context.close();

    // The embed snippet's frame address opens the same view, in embed mode.
    const embedded = await openPage(env.browser, snippetSource(snippet), viewport);
    await embedded.page.locator('.rl-timeline').first().waitFor();
    assert.equal(await embedded.page.locator('body.embed').count(), 1, 'embed mode');
    assert.deepEqual(await sideBySideFigures(embedded.page), expected, 'the embed opens the same view');
    assert.deepEqual(embedded.problems, []);
    await embedded.context.close();

    // The exported file, opened in a fresh page, gives the same decisions (a file has no cursor).
    const imported = await openPage(env.browser, `${env.site.url}#/ratelimit`, viewport);
    await imported.page.locator('.rl-timeline').first().waitFor();
    await importScenario(imported.page, file);
    await imported.page.waitForFunction(() => document.querySelectorAll('.rl-timeline').length === 4);
    const reopened = await sideBySideFigures(imported.page);
    assert.deepEqual({ ...reopened, clock: undefined, summary: undefined }, { ...expected, clock: undefined, summary: undefined });
    assert.deepEqual(imported.problems, []);
    await imported.context.close();
  });
}

test('a malformed link to the hashing or rate limiting page says what is wrong and the page keeps working', async () => {
  const hashing = (params) => encoded(JSON.stringify({ version: 1, lab: 'hashing', name: 'bad', params }));
  const ratelimit = (params) => encoded(JSON.stringify({ version: 1, lab: 'ratelimit', nodes: 1, run_until_ms: 2000, params }));
  const cases = [
    ['#/hashing?s=1eJy', /could not be opened: the share link is (truncated|corrupted)/],
    [`#/hashing?s=${hashing({ scheme: 'ring', nodes: 4, keys: 100, vnodes: 0 })}`, /could not be opened: .*params\.vnodes/],
    [`#/hashing?s=${hashing({ scheme: 'ring', nodes: 4, keys: 100, changes: [{ add: { node: 4 } }], applied: 3 })}`, /params\.applied/],
    [`#/ratelimit?s=${ratelimit({ limit: 0, window_ms: 1000 })}`, /could not be opened: .*params\.limit/],
    [`#/ratelimit?s=${ratelimit({ limit: 5, window_ms: 1000 })}&t=soon`, /could not be opened: .*\bt parameter/],
  ];
  for (const [hash, message] of cases) {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}${hash}`);
    const notice = page.locator('.notice[role="alert"]');
    await notice.waitFor();
    assert.match(await notice.textContent(), message, hash);
    if (hash.startsWith('#/hashing')) {
      assert.ok((await page.locator('.hashing-ring .key').count()) > 0, 'the default ring is drawn');
      await page.getByRole('button', { name: 'Add node' }).click();
      await page.locator('.hashing-moved', { hasText: 'add node 10' }).waitFor();
    } else {
      assert.ok((await page.locator('.rl-timeline').count()) > 0, 'the first preset is drawn');
      await page.getByLabel('Pattern').selectOption('bursty');
      assert.ok((await page.locator('.rl-timeline[data-algorithm="fixed_window"] .rl-mark').count()) > 0);
    }
    await screenshot(page, `sharing-malformed-${hash.slice(2, hash.indexOf('?'))}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
