// Shared set-up for the end-to-end tests: serve dist/ on loopback and drive the system
// Chromium with playwright-core. Screenshots go to target/e2e/.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
export const distDir = join(root, 'dist');
export const shotsDir = join(root, 'target', 'e2e');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// The Content-Security-Policy the site must run under (docs/embedding.md): nothing from other
// origins, and only 'wasm-unsafe-eval' added for scripts.
export const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; frame-ancestors *";

/** Serves dist/ on a free loopback port. Resolves to { url, close }. */
export async function serveDist({ prefix = '/' } = {}) {
  const server = createServer(async (request, response) => {
    try {
      let path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
      if (!path.startsWith(prefix)) {
        response.writeHead(404).end('not found');
        return;
      }
      path = path.slice(prefix.length);
      if (path === '' || path.endsWith('/')) path += 'index.html';
      const file = normalize(join(distDir, path));
      if (!file.startsWith(distDir)) {
        response.writeHead(403).end('forbidden');
        return;
      }
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((done) => server.close(done)),
  };
}

/** Launches the system Chromium headless, with the flags this sandboxed machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Opens a page that fails the test on any console error or uncaught exception. */
export async function openPage(browser, url, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, problems };
}

/** Saves a screenshot under target/e2e/. */
export async function screenshot(page, name) {
  await mkdir(shotsDir, { recursive: true });
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: false });
}

export const viewports = {
  desktop: { width: 1280, height: 800 },
  narrow: { width: 400, height: 700 },
};

/**
 * Registers a test file's set-up: dist/ served on loopback and one browser, both started
 * before the first test and closed after the last. The returned object's `site` ({ url,
 * close }) and `browser` are filled in by then.
 */
export function useSite() {
  const env = { site: undefined, browser: undefined };
  before(async () => {
    env.site = await serveDist();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.site?.close();
  });
  return env;
}

/**
 * The text of the share dialog's field `name` ('Link' or 'Snippet') once the browser has made
 * it (the link is compressed asynchronously; the field is aria-busy until then).
 */
export async function dialogText(page, name) {
  const field = page.getByRole('textbox', { name, exact: true });
  await field.and(page.locator('[aria-busy="false"]')).waitFor();
  return field.inputValue();
}

/**
 * The names of the WebAssembly files `page` downloads from now on, in order (a live array):
 * packed with xz (`.wasm.xz`, what the published site loads) or plain (`.wasm`, its fallback).
 */
export function recordBundles(page) {
  const bundles = [];
  page.on('request', (request) => {
    const file = new URL(request.url()).pathname.split('/').pop();
    if (file.endsWith('.wasm') || file.endsWith('.wasm.xz')) bundles.push(file);
  });
  return bundles;
}
