// The playground shell on the broadcast lab: add, crash, cut, play, pause, scrub back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

const nodes = (page) => page.locator('.cluster-view g.node');
const clock = async (page) => parseFloat((await page.locator('.playback .clock').textContent()).replace(' s', ''));

for (const [name, viewport] of Object.entries(viewports)) {
  test(`a learner can break the broadcast cluster and rewind it at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/broadcast`, viewport);
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
    await page.getByLabel('Time', { exact: true }).fill('50');
    const after = await clock(page);
    assert.ok(after < before, `scrubbing back moves the clock back (${before} s → ${after} s)`);
    assert.ok(Math.abs(after - 0.05) < 0.01, `the clock shows the scrubbed time (${after} s)`);
    await screenshot(page, `playground-broadcast-${name}-rewound`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// Text whose contrast with the background behind it is under WCAG AA (4.5:1), as
// "selector "text" ratio" lines. Backgrounds are read from the nearest opaque ancestor.
async function lowContrast(page) {
  return page.evaluate(() => {
    const selectors = ['h1', 'h2', '.scenario-description', '.strip-legend', '.strip-scale', '.legend li', '.kv dt', '.kv dd',
      '.event-log button', '.playback .clock', 'button', 'label', '.muted', '.status-ok', '.status-bad', '.node-picker', '.canvas-note'];
    const parse = (text) => {
      const match = text.match(/^rgba?\(([^)]+)\)$/);
      if (!match) return null;
      const [r, g, b, a = 1] = match[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }) => {
      const channel = (value) => {
        const v = value / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const backgroundOf = (element) => {
      for (let at = element; at; at = at.parentElement) {
        const colour = parse(getComputedStyle(at).backgroundColor);
        if (colour && colour.a > 0.5) return colour;
      }
      return parse(getComputedStyle(document.documentElement).backgroundColor) ?? { r: 255, g: 255, b: 255, a: 1 };
    };
    const problems = [];
    for (const selector of selectors) {
      for (const element of document.querySelectorAll(selector)) {
        if (element.getClientRects().length === 0 || !element.textContent.trim()) continue;
        const colour = parse(getComputedStyle(element).color);
        if (!colour) continue;
        const [light, dark] = [luminance(colour), luminance(backgroundOf(element))].sort((a, b) => b - a);
        const ratio = (light + 0.05) / (dark + 0.05);
        if (ratio < 4.5) problems.push(`${selector} "${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
    }
    return problems;
  });
}

for (const [name, viewport] of Object.entries(viewports)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`the Raft playground reads well in the ${colorScheme} theme at ${name} width, election-timer rings included`, async () => {
      const context = await env.browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      await page.goto(`${env.site.url}#/raft`);
      await page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
      await page.getByLabel('Speed', { exact: true }).selectOption('20');
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await page.waitForFunction(() => [...document.querySelectorAll('.cluster-view g.node')]
        .some((node) => / leader,/.test(node.getAttribute('aria-label') ?? '') || /, leader/.test(node.getAttribute('aria-label') ?? '')), null, { timeout: 20000 });
      await page.waitForTimeout(1500);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();

      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const channels = background.match(/\d+/g).slice(0, 3).map(Number);
      const bright = channels.reduce((sum, value) => sum + value, 0) / 3 > 128;
      assert.equal(bright, colorScheme === 'light', `the page follows prefers-color-scheme (${background})`);

      // Followers wear an election-timer ring, the leader none; the time left is in words too.
      const rings = await page.locator('.cluster-view circle.timer-ring').count();
      assert.ok(rings >= 4, `at least the four followers show a ring (${rings})`);
      const follower = page.getByRole('button', { name: /^Node n\d+, follower/ }).first();
      await follower.focus();
      await follower.press('Enter');
      assert.match(await page.locator('.inspector .timer-text').textContent(), /^election timeout in \d+ ms$/);

      // Messages per second by kind, with the Raft kinds in the legend.
      const legend = await page.locator('.strip .legend').textContent();
      assert.match(legend, /AppendEntries \d/, 'the strip counts AppendEntries per second');

      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `playground-raft-${colorScheme}-${name}`);
      assert.deepEqual(await lowContrast(page), [], 'every text reads at 4.5:1 or better');
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  test(`a thousand nodes are painted on a canvas with a node list at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/broadcast`, viewport);
    await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'A thousand nodes' });
    await page.locator('canvas.cluster-view[data-nodes="1000"]').waitFor();
    assert.equal(await nodes(page).count(), 0, 'no SVG element per node');
    const picker = page.getByLabel('Node', { exact: true });
    assert.equal(await picker.locator('option').count(), 1001, 'one option per node, plus none');
    await picker.selectOption('7');
    await page.getByRole('heading', { level: 2, name: 'Node n7' }).waitFor();
    await page.getByRole('button', { name: 'Crash', exact: true }).click();
    assert.match(await picker.locator('option[value="7"]').textContent(), /n7, crashed/, 'the list tells the status in words');
    // Into the first round, where tens of thousands of messages fly and a sample is drawn.
    await page.getByLabel('Speed', { exact: true }).selectOption('100');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('input.scrubber').value) >= 2050, null, { timeout: 60000 });
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const note = await page.locator('.canvas-note').textContent();
    assert.match(note, /^\d+ more messages in flight are not drawn \(1 in \d+ is\)$/, note);
    await screenshot(page, `playground-broadcast-large-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('on a narrow screen the scenario description is cut to three lines, the cluster is on the first screen, and the button shows the rest', async () => {
  const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/raft`, viewports.narrow);
  await page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
  const description = page.locator('.scenario-description');
  const toggle = page.getByRole('button', { name: 'More about this scenario' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  const cut = (await description.boundingBox()).height;
  const canvas = await page.locator('.canvas-wrap').boundingBox();
  assert.ok(canvas.y < viewports.narrow.height - 150, `the cluster starts on the first screen (at ${canvas.y} px)`);
  await screenshot(page, 'playground-raft-description-narrow');

  await toggle.click();
  const less = page.getByRole('button', { name: 'Less about this scenario' });
  assert.equal(await less.getAttribute('aria-expanded'), 'true');
  const full = (await description.boundingBox()).height;
  assert.ok(full > cut * 2, `the whole description shows (${cut} -> ${full} px)`);
  await less.click();
  assert.equal((await description.boundingBox()).height, cut);
  assert.deepEqual(problems, []);
  await context.close();

  const wide = await openPage(env.browser, `${env.site.url}#/raft`, viewports.desktop);
  await wide.page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
  assert.equal(await wide.page.locator('.description-toggle').isVisible(), false, 'wide screens show it all, no button');
  await wide.context.close();
});
