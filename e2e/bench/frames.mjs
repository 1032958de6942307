// Frame-time benchmark (issue 4): main-thread time per animation frame while a lab plays at
// 10x with messages in flight, in headless Chromium against the release build in dist/.
//
// Method: every requestAnimationFrame callback is wrapped; a frame's time runs from the start
// of the callback to the end of the microtasks it queued (Yew renders in microtasks), measured
// with performance.now(). Reported: median and p95 over a few seconds of play.
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

async function measure(browser, url, { setup, label, seconds = 5 }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(wrapFrames);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('.cluster-view').waitFor();
  if (setup) await setup(page);
  await page.getByLabel('Speed', { exact: true }).selectOption('10');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(500);
  await page.evaluate(() => { window.__frameTimes = []; });
  await page.waitForTimeout(seconds * 1000);
  const times = await page.evaluate(() => window.__frameTimes.slice());
  const inFlight = await page.locator('.cluster-view .message').count();
  const nodes = await page.locator('.cluster-view g.node').count();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  // Paused with nothing to animate, no frame work may happen.
  await page.evaluate(() => { window.__frameTimes = []; });
  await page.waitForTimeout(1000);
  const idleFrames = await page.evaluate(() => window.__frameTimes.length);
  await context.close();
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    label,
    nodes,
    messages_drawn_at_end: inFlight,
    frames: times.length,
    fps: +(times.length / seconds).toFixed(1),
    median_ms: +quantile(sorted, 0.5).toFixed(2),
    p95_ms: +quantile(sorted, 0.95).toFixed(2),
    frames_while_paused: idleFrames,
  };
}

const site = await serveDist();
const browser = await launchBrowser();
try {
  const results = [];
  results.push(await measure(browser, `${site.url}#/broadcast`, {
    label: 'broadcast, 9 nodes (5 + 4 added), 10x',
    setup: async (page) => {
      for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Add node' }).click();
    },
  }));
  results.push(await measure(browser, `${site.url}#/raft`, {
    label: 'raft, 9 servers (5 + 4 added), 10x',
    setup: async (page) => {
      for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Add node' }).click();
    },
  }));
  results.push(await measure(browser, `${site.url}#/broadcast`, {
    label: 'broadcast, largest preset, 10x',
    setup: async (page) => {
      await page.getByLabel('Scenario').selectOption({ index: 3 });
      await page.locator('.cluster-view').waitFor();
    },
  }));
  for (const result of results) console.log(JSON.stringify(result));
  console.log('target: median under 8 ms per frame');
} finally {
  await browser.close();
  await site.close();
}
