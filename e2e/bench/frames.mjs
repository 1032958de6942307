// Frame-time benchmark (issue 4): main-thread time per animation frame while a lab plays at
// 10x with messages in flight, in headless Chromium against the release build in dist/.
//
// Method: every requestAnimationFrame callback is wrapped; a frame's script time runs from the
// start of the callback to the end of the microtasks it queued (Yew renders in microtasks),
// measured with performance.now(). Reported: median and p95 of that over a few seconds of play,
// the frame rate, and (from the DevTools protocol's Performance.getMetrics, summed over the same
// window and divided by the frames) the average script, style and layout time per frame, so a
// cost that moves out of script into the browser's rendering still shows.
// Run: node e2e/bench/frames.mjs   (cargo xtask bench runs it too)
import { serveDist, launchBrowser } from '../harness.mjs';

const wrapFrames = () => {
  window.__frameTimes = [];
  const original = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) =>
    original((timestamp) => {
      const start = performance.now();
      callback(timestamp);
      queueMicrotask(() => queueMicrotask(() => queueMicrotask(() => window.__frameTimes.push(performance.now() - start))));
    });
};

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map(({ name, value }) => [name, value]));
}

async function measure(browser, url, { setup, label, seconds = 5, speed = '10' }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(wrapFrames);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url);
  await page.locator('.cluster-view').waitFor();
  if (setup) await setup(page);
  await page.getByLabel('Speed', { exact: true }).selectOption(speed);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(500);
  await page.evaluate(() => { window.__frameTimes = []; });
  const before = await metrics(cdp);
  await page.waitForTimeout(seconds * 1000);
  const after = await metrics(cdp);
  const times = await page.evaluate(() => window.__frameTimes.slice());
  const inFlight = await page.evaluate(() => {
    const view = document.querySelector('.cluster-view[data-in-flight]');
    return view ? Number(view.getAttribute('data-in-flight')) : 0;
  });
  const nodes = await page.evaluate(() => {
    const canvas = document.querySelector('.cluster-view[data-nodes]');
    return canvas ? Number(canvas.getAttribute('data-nodes')) : document.querySelectorAll('.cluster-view g.node').length;
  });
  const virtualMs = await page.getByLabel('Time', { exact: true }).inputValue();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  // Paused with nothing to animate, no frame work may happen.
  await page.evaluate(() => { window.__frameTimes = []; });
  await page.waitForTimeout(1000);
  const idleFrames = await page.evaluate(() => window.__frameTimes.length);
  await context.close();
  const sorted = times.slice().sort((a, b) => a - b);
  const perFrame = (name) => +(((after[name] - before[name]) * 1000) / Math.max(1, times.length)).toFixed(2);
  return {
    label,
    nodes,
    messages_in_flight_at_end: inFlight,
    virtual_ms_at_end: Number(virtualMs),
    frames: times.length,
    fps: +(times.length / seconds).toFixed(1),
    median_ms: +quantile(sorted, 0.5).toFixed(2),
    p95_ms: +quantile(sorted, 0.95).toFixed(2),
    per_frame_mean_ms: {
      script: perFrame('ScriptDuration'),
      style: perFrame('RecalcStyleDuration'),
      layout: perFrame('LayoutDuration'),
      all_tasks: perFrame('TaskDuration'),
    },
    frames_while_paused: idleFrames,
  };
}

// Plays at real time (100x) until the run reaches `ms` of virtual time, then pauses (the scrubber
// only seeks within the time already run).
async function playTo(page, ms) {
  await page.getByLabel('Speed', { exact: true }).selectOption('100');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction((target) => Number(document.querySelector('input.scrubber').value) >= target, ms, { timeout: 60000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

const addNodes = (count) => async (page) => {
  for (let i = 0; i < count; i++) await page.getByRole('button', { name: 'Add node', exact: true }).click();
};

// Restarts the Raft lab with `count` servers through the parameters form (Add node in Raft is a
// membership change, which needs a leader first).
const raftServers = (count) => async (page) => {
  await page.locator('.scenario-form summary').click();
  await page.getByLabel('Servers', { exact: true }).fill(String(count));
  await page.getByRole('button', { name: 'Apply parameters and restart', exact: true }).click();
  await page.waitForFunction((expected) => document.querySelectorAll('.cluster-view g.node').length === expected, count);
};

const only = process.argv[2];
const cases = [
  { lab: 'broadcast', label: 'broadcast, 9 nodes (5 + 4 added), 10x', setup: addNodes(4) },
  { lab: 'raft', label: 'raft, 5 servers (the default preset), 10x' },
  {
    lab: 'raft',
    label: 'raft, 5 servers, 100x (real time: the speed menu\'s fastest)',
    speed: '100',
  },
  { lab: 'raft', label: 'raft, 9 servers (the Servers field), 10x', setup: raftServers(9) },
  { lab: 'raft', label: 'raft, 15 servers (the form\'s largest), 10x', setup: raftServers(15) },
  {
    lab: 'loadbalancing',
    label: 'load balancing, 23 nodes (largest preset), 10x',
    setup: async (page) => {
      await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'Load balancing: power of two choices' });
      await page.waitForFunction(() => document.querySelectorAll('.cluster-view g.node').length === 23);
    },
  },
  {
    lab: 'broadcast',
    label: 'broadcast, 1,000 nodes (largest preset) from the start (a quiet network until 2 s), 10x',
    setup: async (page) => {
      await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'A thousand nodes' });
      await page.waitForFunction(() => document.querySelector('.cluster-view[data-nodes="1000"]'));
    },
  },
  {
    lab: 'broadcast',
    label: 'broadcast, 1,000 nodes (largest preset) in its first round (from 1.95 s), 10x',
    setup: async (page) => {
      await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'A thousand nodes' });
      await page.locator('.cluster-view').waitFor();
      // The nodes' first round starts between 2 and 3 s of virtual time: measure inside it, so
      // the frames measured carry thousands of messages.
      await playTo(page, 1950);
    },
  },
];

const site = await serveDist();
const browser = await launchBrowser();
try {
  for (const { lab, label, setup, speed } of cases) {
    if (only && !label.includes(only)) continue;
    console.log(JSON.stringify(await measure(browser, `${site.url}#/${lab}`, { label, setup, speed })));
  }
  console.log('target: median under 8 ms per frame');
} finally {
  await browser.close();
  await site.close();
}
