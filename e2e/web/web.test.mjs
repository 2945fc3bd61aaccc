// Drives the web interface in Debian's headless Chromium through
// playwright-core, next to mpc, against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, mpc, chromiumPath, chromiumArgs } from './harness.mjs';

const shots = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

let server;
let browser;

before(async () => {
  assert.ok(chromiumPath, 'Chromium is missing: install the Debian package chromium');
  server = await startServer();
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function rpc(page, method, params = {}) {
  return page.evaluate(async ([m, p]) => {
    const response = await fetch('/mopidy/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: m, params: p }),
    });
    return (await response.json()).result;
  }, [method, params]);
}

async function openPage(viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
  page.dialogs = dialogs;
  await page.goto(server.url + '/');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  return page;
}

test('search, add, play, pause, seek, volume, reorder', async () => {
  const page = await openPage();
  await page.getByRole('link', { name: 'Library' }).click();
  await page.getByLabel('Search').fill('Blue');
  await page.getByRole('button', { name: 'Add Blue Album' }).first().click();
  await page.waitForFunction(() => true);
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 50; i++) {
      if ((await rpc(page, 'core.tracklist.get_length')) === 3) return;
      await page.waitForTimeout(100);
    }
    throw new Error('album not added');
  });

  await page.getByRole('link', { name: 'Queue' }).click();
  await page.locator('#queue-list li').nth(2).waitFor();
  assert.equal(await page.locator('#queue-list li').count(), 3);

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
  assert.match(mpc(server, 'status'), /\[playing\]/);
  await page.screenshot({ path: resolve(shots, 'queue-desktop.png') });

  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.match(mpc(server, 'status'), /\[paused\]/);

  await page.locator('#seek').evaluate((input) => {
    input.value = '12000';
    input.dispatchEvent(new Event('change'));
  });
  await page.waitForTimeout(300);
  const position = await rpc(page, 'core.playback.get_time_position');
  assert.ok(Math.abs(position - 12000) < 1000, `position ${position} ms after seeking to 12000 ms`);

  await page.locator('#volume').evaluate((input) => {
    input.value = '35';
    input.dispatchEvent(new Event('change'));
  });
  await page.waitForTimeout(300);
  assert.equal(await rpc(page, 'core.mixer.get_volume'), 35);

  const before = await rpc(page, 'core.tracklist.get_tl_tracks');
  await page.locator('#queue-list li').first().focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForTimeout(300);
  const after = await rpc(page, 'core.tracklist.get_tl_tracks');
  assert.equal(after[1].tlid, before[0].tlid, 'first entry moved down one place');
  assert.equal(after[0].tlid, before[1].tlid);

  await page.getByRole('link', { name: 'Now playing' }).click();
  await page.screenshot({ path: resolve(shots, 'now-playing-desktop.png') });
  await page.close();
});

test('changes made through mpc appear without a reload', async () => {
  const page = await openPage();
  mpc(server, 'volume', '61');
  await page.waitForFunction(() => document.getElementById('volume').value === '61');
  mpc(server, 'random', 'on');
  await page.locator('[data-mode="random"][aria-pressed="true"]').waitFor();
  mpc(server, 'random', 'off');
  await page.locator('[data-mode="random"][aria-pressed="false"]').waitFor();
  await page.close();
});

test('markup in tags shows as text and runs nothing', async () => {
  const page = await openPage();
  const results = await rpc(page, 'core.library.search', { query: { album: ['<b>Bold</b>'] } });
  const uri = results.flatMap((r) => r.tracks || [])[0].uri;
  await rpc(page, 'core.tracklist.clear');
  const added = await rpc(page, 'core.tracklist.add', { uris: [uri] });
  await rpc(page, 'core.playback.play', { tlid: added[0].tlid });
  await page.locator('#now-name').filter({ hasText: '<img src=x onerror=alert(1)>' }).waitFor();
  assert.equal(await page.locator('#now-name img').count(), 0, 'no img element was made');
  assert.equal(await page.locator('#now-artists').textContent(), '<script>alert(2)</script>');
  await page.getByRole('link', { name: 'Queue' }).click();
  await page.locator('#queue-list li').first().waitFor();
  assert.equal(await page.locator('#queue-list script, #queue-list img').count(), 0);
  assert.deepEqual(page.dialogs, [], 'no script ran');
  await page.close();
});

test('phone width screenshots', async () => {
  const page = await openPage({ width: 390, height: 844 });
  await page.screenshot({ path: resolve(shots, 'now-playing-phone.png') });
  await page.getByRole('link', { name: 'Library' }).click();
  await page.getByRole('button', { name: 'Albums' }).click();
  await page.locator('#library-list li').first().waitFor();
  await page.screenshot({ path: resolve(shots, 'library-phone.png') });
  await page.close();
});

test('login page when an account exists', async () => {
  const guarded = await startServer({ users: [{ name: 'alice', password: 'correct horse' }] });
  try {
    const page = await browser.newPage();
    await page.goto(guarded.url + '/');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid' }).waitFor();
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'tonearm_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    await page.close();
  } finally {
    await guarded.stop();
  }
});
