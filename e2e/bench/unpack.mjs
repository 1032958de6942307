// Unpacking benchmark (issue 9): what packing the WebAssembly with xz costs a visit in time
// and saves it in bytes, in headless Chromium against the release build in dist/.
//
// For each page's bundle (and the rate limiting page's distributed part): the packed and
// gzipped sizes (gzip -9, what a static host adds to the plain file), the median over 7 runs
// of unpacking the packed file in the page
// (xz-decompress's XzReadableStream, as www/loader.js does), and the bandwidth below which
// the packed file arrives and unpacks sooner than the gzipped plain one (the bytes saved
// divided by the unpacking time). Unpacking runs as the bytes arrive, so on a slow link most
// of it overlaps the download; the break-even figure ignores that and so favours gzip.
// Run: node e2e/bench/unpack.mjs   (cargo xtask bench runs it too)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serveDist, launchBrowser, distDir } from '../harness.mjs';

const BUNDLES = ['home', 'raft', 'hashing', 'ratelimit', 'loadbalancing', 'broadcast', 'ratelimit-distributed'];
const RUNS = 7;

const site = await serveDist();
const browser = await launchBrowser();
const page = await browser.newPage();
await page.goto(site.url);
await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();

console.log('bundle                  plain bytes   gzip bytes     xz bytes   saved   unpack ms (median)   break-even');
for (const bundle of BUNDLES) {
  const plain = await readFile(join(distDir, `netsplit-${bundle}_bg.wasm`));
  const packed = await readFile(join(distDir, `netsplit-${bundle}_bg.wasm.xz`));
  const gzipped = gzipSync(plain, { level: 9 }).length;
  const times = await page.evaluate(
    async ({ file, runs }) => {
      const XzReadableStream = window['xz-decompress'].XzReadableStream;
      const bytes = await (await fetch(`./${file}`)).arrayBuffer();
      const times = [];
      for (let run = 0; run < runs; run++) {
        const start = performance.now();
        await new Response(new XzReadableStream(new Blob([bytes]).stream())).arrayBuffer();
        times.push(performance.now() - start);
      }
      return times;
    },
    { file: `netsplit-${bundle}_bg.wasm.xz`, runs: RUNS },
  );
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const saved = gzipped - packed.length;
  // bits saved per millisecond of unpacking = kbit/s; / 1000 = Mbit/s.
  const breakEven = (saved * 8) / median / 1000;
  console.log(
    `${bundle.padEnd(22)} ${String(plain.length).padStart(12)} ${String(gzipped).padStart(12)} ${String(packed.length).padStart(12)}` +
      ` ${`${((100 * saved) / gzipped).toFixed(1)}%`.padStart(7)} ${median.toFixed(1).padStart(20)}   ${breakEven.toFixed(0)} Mbit/s`,
  );
}
await browser.close();
await site.close();
