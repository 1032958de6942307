// The Raft lab in the browser: a crashed leader is replaced, and a leader cut off in a
// minority cannot commit, while nothing committed is lost once the partition heals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, recordBundles, screenshot, viewports } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

const play = (page) => page.getByRole('button', { name: 'Play', exact: true }).click();
const pause = (page) => page.getByRole('button', { name: 'Pause', exact: true }).click();

/** The id of the live leader, read from the canvas's accessible names, or null. */
async function leader(page) {
  const labels = await page.locator('.cluster-view g.node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('aria-label')));
  const found = labels.find((label) => /, leader, up/.test(label));
  return found ? found.match(/^Node n(\d+)/)[1] : null;
}

/** Commit index per server from the log grid. */
async function commitIndexes(page) {
  return page.locator('.log-grid tbody tr').evaluateAll((rows) =>
    Object.fromEntries(rows.map((row) => [row.querySelector('th').textContent.match(/n(\d+)/)[1], Number(row.querySelectorAll('td')[1].textContent)])),
  );
}

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

async function allPropertiesHold(page) {
  const statuses = await page.locator('.safety .invariants:not(.liveness) li').allTextContents();
  assert.ok(statuses.length >= 5, `the five Raft properties are listed (${statuses.length})`);
  for (const status of statuses) assert.match(status, /holds/, status);
  // Liveness is listed apart, as a warning when missed, never among the safety properties.
  for (const status of await page.locator('.safety .invariants.liveness li').allTextContents()) {
    assert.match(status, /Election Progress/, status);
  }
  assert.equal(await page.locator('.safety .alert').count(), 0, 'no violation alert');
}

for (const [name, viewport] of Object.entries(viewports)) {
  test(`crashing the Raft leader gets a new leader elected at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
    await page.getByLabel('Speed', { exact: true }).selectOption('20');
    const first = await playUntil(page, () => leader(page), 'a first leader');
    await page.getByRole('button', { name: 'Crash leader' }).click();
    await page.getByRole('button', { name: new RegExp(`^Node n${first}, .*crashed`) }).waitFor();
    const second = await playUntil(page, async () => {
      const now = await leader(page);
      return now !== null && now !== first ? now : null;
    }, 'a new leader');
    assert.notEqual(second, first);
    await allPropertiesHold(page);
    await screenshot(page, `raft-new-leader-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a minority leader cannot commit, and healing loses no committed entry', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
  // The page's own styles (dist/styles-raft.css, added by the loader under the CSP, with
  // its integrity hash) apply: the log grid scrolls sideways in its own box.
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.log-grid-wrap')).overflowX === 'auto');
  await page.getByLabel('Speed', { exact: true }).selectOption('20');
  const old = await playUntil(page, async () => {
    const id = await leader(page);
    return id !== null && (await commitIndexes(page))[id] >= 3 ? id : null;
  }, 'a leader that has committed entries');

  // Cut the leader and one follower off from the other three.
  const partner = old === '0' ? '1' : '0';
  await page.getByRole('button', { name: 'Partition', exact: true }).click();
  await page.getByRole('button', { name: new RegExp(`^Node n${old},`) }).click();
  await page.getByRole('button', { name: new RegExp(`^Node n${partner},`) }).click();
  await page.getByRole('button', { name: 'Apply partition' }).click();
  const stuck = (await commitIndexes(page))[old];

  const fresh = await playUntil(page, async () => {
    const indexes = await commitIndexes(page);
    const labels = await page.locator('.cluster-view g.node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('aria-label')));
    const leaders = labels.filter((label) => /, leader, up/.test(label)).map((label) => label.match(/^Node n(\d+)/)[1]);
    const majorityLeader = leaders.find((id) => id !== old && id !== partner);
    return majorityLeader && indexes[majorityLeader] > stuck + 2 ? majorityLeader : null;
  }, 'the majority to elect a leader and commit');
  // Answers already on the wire when the cut came may still commit an entry or so on the old
  // leader (they were sent before the partition); once they have landed, it commits nothing more.
  const cutOff = (await commitIndexes(page))[old];
  assert.ok(cutOff <= stuck + 2, `the old leader committed at most what was already acknowledged (${stuck} -> ${cutOff})`);
  await playUntil(page, async () => (await commitIndexes(page))[fresh] > (await commitIndexes(page))[old] + 3,
    'the majority to commit further');
  const majorityCommitted = (await commitIndexes(page))[fresh];
  assert.equal((await commitIndexes(page))[old], cutOff, 'the minority leader committed nothing while cut off');
  assert.ok(majorityCommitted > cutOff, 'while the majority went on');
  await screenshot(page, 'raft-partitioned');

  await page.getByRole('button', { name: 'Heal all' }).click();
  await playUntil(page, async () => {
    const indexes = await commitIndexes(page);
    return Object.values(indexes).every((index) => index >= majorityCommitted);
  }, 'every server to catch up after healing');
  await allPropertiesHold(page);
  await screenshot(page, 'raft-healed');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the parameters form restarts Raft with seven servers and refuses a bad value', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
  await page.getByText('Parameters', { exact: true }).click();
  const servers = page.getByLabel('Servers', { exact: true });
  await servers.fill('99');
  await page.getByRole('button', { name: 'Apply parameters and restart' }).click();
  await page.locator('.scenario-form .field-error').waitFor();
  assert.match(await page.locator('.scenario-form .field-error').textContent(), /Servers: must be between 1 and 15/);
  assert.equal(await page.locator('.cluster-view g.node').count(), 5, 'the refused value leaves the run alone');
  await servers.fill('7');
  await page.getByRole('button', { name: 'Apply parameters and restart' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.cluster-view g.node').length === 7);
  await page.getByLabel('Speed', { exact: true }).selectOption('20');
  await playUntil(page, () => leader(page), 'a leader among seven servers');
  await screenshot(page, 'raft-seven-servers');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a bug switch ticked in the form makes the Figure 8 schedule break safety, and the alert says so', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
  await page.getByLabel('Scenario', { exact: true }).selectOption('raft-figure-8');
  await page.getByText('Parameters', { exact: true }).click();
  const bug = page.getByLabel('Commit earlier-term entries by counting replicas', { exact: true });
  assert.equal(await bug.isChecked(), false, 'Figure 8 starts with correct Raft');
  // Correct Raft first: at real time, 3 s covers the whole 2 s schedule and every property holds.
  await page.getByLabel('Speed', { exact: true }).selectOption('100');
  await play(page);
  await page.waitForTimeout(3000);
  await pause(page);
  await allPropertiesHold(page);
  await bug.check();
  await page.getByRole('button', { name: 'Apply parameters and restart' }).click();
  await page.waitForFunction(() => document.querySelector('input[name="commit_earlier_terms_by_counting"]')?.checked === true);
  await page.locator('.bug-switches').scrollIntoViewIfNeeded();
  await screenshot(page, 'raft-bug-switches');
  await playUntil(page, () => page.locator('.safety .alert').count(), 'the checker to report a violation', 30000);
  const alert = await page.locator('.safety .alert').textContent();
  assert.match(alert, /Leader Completeness|State Machine Safety/, alert);
  assert.deepEqual(problems, []);
  await context.close();
});

test('adding a server in the UI goes through the leader\'s configuration and the new server receives the log', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
  await page.getByLabel('Speed', { exact: true }).selectOption('20');
  const first = await playUntil(page, async () => {
    const id = await leader(page);
    return id !== null && (await commitIndexes(page))[id] >= 3 ? id : null;
  }, 'a leader that has committed entries');
  const configuration = page.locator('.raft-configuration');
  assert.match(await configuration.textContent(), /n0, n1, n2, n3, n4 \(5 servers/);

  await page.getByRole('button', { name: 'Add node', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('.cluster-view g.node').length === 6);
  assert.match(await configuration.textContent(), /n0, n1, n2, n3, n4, n5 \(6 servers, a majority is 4\)/);
  assert.match(await configuration.textContent(), /Pending: adding n5/);
  const leaderCommit = (await commitIndexes(page))[first];
  await playUntil(page, async () => {
    const text = await configuration.textContent();
    return !/Pending/.test(text) && (await commitIndexes(page))['5'] > leaderCommit;
  }, 'the change to commit and server 5 to receive the log');
  await allPropertiesHold(page);
  await page.locator('.raft-view').scrollIntoViewIfNeeded();
  await screenshot(page, 'raft-server-added');

  // Remove a follower through the inspector: the leader commits a configuration without it.
  const removed = first === '1' ? '2' : '1';
  await page.getByRole('button', { name: new RegExp(`^Node n${removed},`) }).click();
  await page.getByRole('button', { name: 'Remove node', exact: true }).click();
  await playUntil(page, async () => {
    const text = await configuration.textContent();
    return !/Pending/.test(text) && /\(5 servers/.test(text) && !text.includes(`n${removed},`);
  }, 'the removal to commit');
  const row = await page.locator('.log-grid tbody tr th').nth(Number(removed)).textContent();
  assert.match(row, /\(out\)/, 'the removed server knows it is out');
  await allPropertiesHold(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Raft options, bug switches and configuration read well in dark mode at narrow width', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.narrow);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('heading', { level: 1, name: 'Raft consensus' }).waitFor();
  await page.getByText('Parameters', { exact: true }).click();
  await page.getByLabel('ReadIndex reads', { exact: true }).check();
  await page.locator('.scenario-form .options').scrollIntoViewIfNeeded();
  await screenshot(page, 'raft-options-dark-narrow');
  await page.getByLabel('Forget votedFor on restart', { exact: true }).check();
  await page.locator('.bug-switches').scrollIntoViewIfNeeded();
  await screenshot(page, 'raft-bug-switches-dark-narrow');
  await page.getByLabel('Speed', { exact: true }).selectOption('20');
  await playUntil(page, async () => {
    const id = await leader(page);
    return id !== null && (await commitIndexes(page))[id] >= 3 ? id : null;
  }, 'a leader that has committed entries');
  await page.getByRole('button', { name: 'Add node', exact: true }).click();
  await page.locator('.raft-configuration .pending-change').waitFor();
  await page.locator('.raft-configuration').scrollIntoViewIfNeeded();
  await screenshot(page, 'raft-configuration-dark-narrow');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the election-time experiment downloads its own bundle when run, and draws each timeout range\'s CDF as its runs come in', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  const bundles = recordBundles(page);
  await page.reload();
  const panel = page.getByRole('region', { name: 'Election-time experiment' });
  await panel.getByRole('heading', { name: /Figure 16/ }).waitFor();
  assert.deepEqual(bundles, ['netsplit-raft_bg.wasm.xz'], 'the first visit leaves the experiment out');
  await panel.getByRole('button', { name: 'Run the election-time experiment' }).click();
  // The part replaces the launcher and starts at once: progress, then a legend line per range.
  const count = page.locator('.raft-experiment .experiment-count');
  await count.waitFor();
  assert.deepEqual(bundles, ['netsplit-raft_bg.wasm.xz', 'netsplit-raft-experiment_bg.wasm.xz']);
  assert.match(await count.textContent(), /\/ 600 runs/);
  // The chart appears with the first range whose runs elect a leader (the narrowest ranges
  // can split the vote for the whole run), with a legend line for each of Figure 16's ranges.
  await page.locator('.raft-experiment figure.cdf').waitFor({ timeout: 60000 });
  const legend = await page.locator('.raft-experiment .legend li').allTextContents();
  assert.equal(legend.length, 6, `a legend line per range of Figure 16 (${legend})`);
  assert.ok(legend.some((line) => /^150–\d+ ms: median \d+ ms$/.test(line)), legend.join('\n'));
  assert.equal(await page.getByRole('region', { name: 'Election-time experiment' }).count(), 1, 'one panel, not the launcher beside the part');
  await screenshot(page, 'raft-experiment-desktop');
  assert.deepEqual(problems, []);
  await context.close();
});
