// The home page, built in release and served as a static site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports, recordBundles } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

for (const [name, viewport] of Object.entries(viewports)) {
  test(`the home page shows the title and every lab card at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, env.site.url, viewport);
    await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
    const cards = page.locator('.gallery .lab-card');
    assert.ok((await cards.count()) >= 4, 'at least four lab cards');
    await assert.doesNotReject(page.getByRole('link', { name: 'Open the Raft consensus lab' }).waitFor());
    await screenshot(page, `home-${name}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a first visit downloads only its own page\'s bundle, and opening a lab from the gallery starts that lab\'s bundle', async () => {
  const { page, context, problems } = await openPage(env.browser, env.site.url, viewports.desktop);
  const bundles = recordBundles(page);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
  assert.deepEqual(bundles, ['netsplit-home_bg.wasm.xz'], 'the gallery alone');

  await page.getByRole('link', { name: 'Open the Raft consensus lab' }).click();
  await page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.deepEqual(bundles, ['netsplit-home_bg.wasm.xz', 'netsplit-raft_bg.wasm.xz'], 'then the Raft lab alone');

  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
  await page.getByRole('link', { name: /hashing/i }).first().click();
  await page.getByRole('heading', { level: 1, name: /hashing/i }).waitFor();
  assert.equal(bundles.at(-1), 'netsplit-hashing_bg.wasm.xz');
  assert.ok(!bundles.some((file) => file.startsWith('netsplit-app_bg')), `never the whole app: ${bundles}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a page whose packed bundle is damaged loads the plain one instead, and says so in the console', async () => {
  const { page, context, problems } = await openPage(env.browser, env.site.url, viewports.desktop);
  await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  const bundles = recordBundles(page);
  // A host that serves something else under the packed file's name: xz's magic, then noise.
  await page.route('**/netsplit-raft_bg.wasm.xz', (route) =>
    route.fulfill({ body: Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(4096, 7)]) }),
  );
  await page.goto(`${env.site.url}?fresh=2#/raft`);
  await page.getByRole('heading', { level: 1, name: /Raft/ }).waitFor();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.deepEqual(bundles, ['netsplit-raft_bg.wasm.xz', 'netsplit-raft_bg.wasm'], 'the packed file, then the plain one');
  assert.ok(
    warnings.some((text) => text.includes('the packed netsplit-raft did not load')),
    `a console warning names the bundle: ${warnings}`,
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('a page whose bundle cannot be downloaded says so instead of staying blank', async () => {
  const { page, context } = await openPage(env.browser, env.site.url, viewports.narrow);
  await page.getByRole('heading', { level: 1, name: 'Netsplit' }).waitFor();
  await page.route('**/netsplit-hashing*', (route) => route.abort('internetdisconnected'));
  // A new query makes this a full page load (a hash change alone would make the app reload
  // the page itself, racing this navigation).
  await page.goto(`${env.site.url}?fresh=1#/hashing`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not load this page.*netsplit-(hashing|app)/s);
  await screenshot(page, 'home-bundle-offline-narrow');
  await context.close();
});
