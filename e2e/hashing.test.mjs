// The consistent hashing lab: add a node, see the moved keys highlighted and counted,
// switch to modulo and see the count jump; a refused value is explained next to its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite, openPage, screenshot, viewports } from './harness.mjs';

// dist/ served on loopback and one browser for the whole file (harness.mjs).
const env = useSite();

// "add node 10 (weight 1): moved 9.0% of keys; ideal 9.1% (9,012 of 100,001 keys moved, ideal 9,091)"
const movedStatus = async (page) => {
  const text = await page.locator('.hashing-moved').textContent();
  const match = text.match(/moved ([\d.]+)% of keys; ideal ([\d.]+)% \(([\d,]+) of ([\d,]+) keys moved/);
  assert.ok(match, `the status reports the move: ${text}`);
  const number = (value) => Number(value.replaceAll(',', ''));
  return { percent: Number(match[1]), ideal: Number(match[2]), moved: number(match[3]), keys: number(match[4]), text };
};

for (const [name, viewport] of Object.entries(viewports)) {
  test(`a learner adds a node and sees the moved keys, then modulo moves far more, at ${name} width`, async () => {
    const { page, context, problems } = await openPage(env.browser, `${env.site.url}#/hashing`, viewport);
    await page.getByRole('heading', { level: 1, name: 'Consistent hashing' }).waitFor();
    assert.equal(await page.getByLabel('Scheme', { exact: true }).inputValue(), 'ring');
    assert.equal(await page.locator('.hashing-ring rect.key.moved').count(), 0, 'nothing has moved yet');
    const dots = await page.locator('.hashing-ring .key').count();
    assert.ok(dots > 400 && dots <= 801, `the ring draws a capped sample of the keys (${dots})`);

    await page.getByRole('button', { name: 'Add node' }).click();
    await page.locator('.hashing-ring rect.key.moved').first().waitFor();
    const ring = await movedStatus(page);
    assert.equal(ring.keys, 100001, 'the 100,000 generated keys and the typed key alice');
    assert.equal(ring.ideal, 9.1, 'the ideal is one key in eleven');
    assert.ok(ring.percent > 6 && ring.percent < 12, `the ring moves about the ideal: ${ring.text}`);
    const highlighted = await page.locator('.hashing-ring rect.key.moved').count();
    assert.ok(highlighted > 20, `moved keys are drawn as outlined squares (${highlighted})`);
    // The comparison table carries the same number in the ring's row.
    const ringRow = await page.locator('.comparison tr[data-scheme="ring"] td.moved').textContent();
    assert.ok(ringRow.startsWith(ring.moved.toLocaleString('en-US')), `table row ${ringRow} vs ${ring.moved}`);
    await screenshot(page, `hashing-${name}-ring-added`);

    await page.getByLabel('Scheme', { exact: true }).selectOption('modulo');
    await page.waitForFunction(() => /moved (8|9)\d\.\d% of keys/.test(document.querySelector('.hashing-moved').textContent));
    const modulo = await movedStatus(page);
    assert.ok(Math.abs(modulo.percent - 90.9) < 1, `modulo moves about ten keys in eleven: ${modulo.text}`);
    assert.ok(modulo.moved > 8 * ring.moved, `the count jumps from ${ring.moved} to ${modulo.moved}`);
    assert.equal(modulo.ideal, 9.1, 'the ideal does not depend on the scheme');
    const highlightedModulo = await page.locator('.hashing-ring rect.key.moved').count();
    assert.ok(highlightedModulo > 5 * highlighted, `far more keys are highlighted (${highlighted} → ${highlightedModulo})`);
    await screenshot(page, `hashing-${name}-modulo`);

    // Out of range is refused next to the field, with the reason.
    await page.getByLabel('Virtual nodes per node').fill('0');
    await page.getByLabel('Virtual nodes per node').press('Enter');
    await page.getByText('must be between 1 and 1000, got 0').waitFor();
    assert.equal(await page.getByLabel('Virtual nodes per node').getAttribute('aria-invalid'), 'true');

    // Crash and re-add from the keyboard-reachable buttons.
    await page.getByRole('button', { name: 'Crash node' }).click();
    await page.locator('.hashing-moved', { hasText: 'crash node 10' }).waitFor();
    await page.getByRole('button', { name: 'Re-add' }).click();
    await page.locator('.hashing-moved', { hasText: 're-add node 10' }).waitFor();

    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `no horizontal scrolling (${width} px)`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
