// Drives the web interface in Debian's headless Chromium through
// playwright-core, next to mpc, against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
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

// queueBlueAlbum replaces the queue with the three tracks of Blue Album
// and returns their tl_tracks in queue order.
async function queueBlueAlbum(page) {
  const results = await rpc(page, 'core.library.search', { query: { album: ['Blue Album'] }, exact: true });
  const uris = results.flatMap((r) => r.tracks || []).map((t) => t.uri).sort();
  assert.equal(uris.length, 3, `Blue Album tracks found: ${uris.join(', ')}`);
  await rpc(page, 'core.playback.stop');
  await rpc(page, 'core.tracklist.clear');
  await rpc(page, 'core.tracklist.add', { uris });
  return rpc(page, 'core.tracklist.get_tl_tracks');
}

// waitForRPC polls method until check accepts its result, for up to 5 s,
// and returns that result.
async function waitForRPC(page, method, params, check, description) {
  let result;
  for (let i = 0; i < 50; i++) {
    result = await rpc(page, method, params);
    if (check(result)) return result;
    await page.waitForTimeout(100);
  }
  throw new Error(`${description}: ${method} still returned ${JSON.stringify(result)} after 5 s`);
}

test('queue rows reorder by drag and drop', async () => {
  const page = await openPage();
  const queued = await queueBlueAlbum(page);
  const tlids = queued.map((tl) => tl.tlid);
  await page.getByRole('link', { name: 'Queue' }).click();
  const rows = page.locator('#queue-list li');
  await rows.nth(2).waitFor();
  assert.equal(await rows.count(), 3);

  // Drop the first row on the last one: it moves to the end.
  await rows.nth(0).dragTo(rows.nth(2));
  let order = await waitForRPC(page, 'core.tracklist.get_tl_tracks', {},
    (tl) => tl[0].tlid !== tlids[0], 'first row dropped on the last');
  assert.deepEqual(order.map((tl) => tl.tlid), [tlids[1], tlids[2], tlids[0]]);

  // The page redraws the queue from the tracklist_changed event.
  await page.locator(`#queue-list li:nth-child(3)[data-tlid="${tlids[0]}"]`).waitFor();

  // Drop the last row on the first one: the original order comes back.
  await rows.nth(2).dragTo(rows.nth(0));
  order = await waitForRPC(page, 'core.tracklist.get_tl_tracks', {},
    (tl) => tl[0].tlid === tlids[0], 'last row dropped on the first');
  assert.deepEqual(order.map((tl) => tl.tlid), tlids);
  assert.equal(await rows.count(), 3);
  await page.close();
});

test('playlist saved, opened, played, deleted', async () => {
  const page = await openPage();
  const queued = await queueBlueAlbum(page);
  const uris = queued.map((tl) => tl.track.uri);
  await page.getByRole('link', { name: 'Queue' }).click();
  await page.locator('#queue-list li').nth(2).waitFor();
  await page.getByLabel('Playlist name').fill('Road trip');
  await page.getByRole('button', { name: 'Save as playlist' }).click();
  const saved = await waitForRPC(page, 'core.playlists.as_list', {},
    (refs) => refs.some((r) => r.name === 'Road trip'), 'playlist created');
  const ref = saved.find((r) => r.name === 'Road trip');
  // The page creates the playlist, then saves its tracks in a second call.
  const items = await waitForRPC(page, 'core.playlists.get_items', { uri: ref.uri },
    (list) => list && list.length === 3, 'playlist tracks saved');
  assert.deepEqual(items.map((item) => item.uri), uris, 'the playlist holds the queue in order');

  await rpc(page, 'core.tracklist.clear');
  await page.getByRole('link', { name: 'Playlists' }).click();
  const entry = page.locator('#playlist-list').getByRole('button', { name: 'Road trip' });
  await entry.waitFor();
  await entry.click();
  await page.locator('#playlist-title').filter({ hasText: 'Road trip' }).waitFor();
  await page.locator('#playlist-items li').nth(2).waitFor();
  assert.deepEqual(await page.locator('#playlist-items li').allTextContents(), ['Morning', 'Noon', 'Evening']);

  await page.locator('#playlist-actions').getByRole('button', { name: 'Play' }).click();
  await waitForRPC(page, 'core.playback.get_state', {}, (s) => s === 'playing', 'playlist played');
  const playing = await rpc(page, 'core.tracklist.get_tl_tracks');
  assert.deepEqual(playing.map((tl) => tl.track.uri), uris, 'the queue is the playlist');
  const current = await rpc(page, 'core.playback.get_current_tl_track');
  assert.equal(current.tlid, playing[0].tlid, 'playback starts at the first track');
  assert.match(mpc(server, 'status'), /\[playing\]/);
  await rpc(page, 'core.playback.stop');

  await page.locator('#playlist-actions').getByRole('button', { name: 'Delete' }).click();
  await waitForRPC(page, 'core.playlists.as_list', {},
    (refs) => !refs.some((r) => r.name === 'Road trip'), 'playlist deleted');
  await page.locator('#playlist-list').getByRole('button', { name: 'Road trip' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('#playlist-title').textContent(), '');
  assert.equal(await page.locator('#playlist-items li').count(), 0);
  assert.equal(await rpc(page, 'core.playlists.lookup', { uri: ref.uri }), null);
  await page.close();
});

// streamTrap listens on a free loopback port and counts the connections
// that reach it, so a test can tell whether the server dialled a stream URL.
async function streamTrap() {
  let connections = 0;
  const trap = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise((done) => trap.listen(0, '127.0.0.1', done));
  return {
    port: trap.address().port,
    connections: () => connections,
    close: () => new Promise((done) => trap.close(done)),
  };
}

test('stream URL to a blocked address plays nothing', async () => {
  const page = await openPage();
  const trap = await streamTrap();
  try {
    await page.getByRole('link', { name: 'Playlists' }).click();
    // Loopback and the unspecified address are blocked by default, as the
    // private ranges are, and they keep the test's traffic on this machine.
    for (const url of [`http://127.0.0.1:${trap.port}/radio.mp3`, `http://0.0.0.0:${trap.port}/radio.ogg`]) {
      const queued = await queueBlueAlbum(page);
      await rpc(page, 'core.playback.play', { tlid: queued[0].tlid });
      await waitForRPC(page, 'core.playback.get_state', {}, (s) => s === 'playing', 'album playing');

      await page.getByLabel('Stream URL').fill(url);
      await page.getByRole('button', { name: 'Play stream' }).click();
      const tracks = await waitForRPC(page, 'core.tracklist.get_tl_tracks', {},
        (tl) => tl.length === 1 && tl[0].track.uri === url, `${url} queued`);
      const state = await waitForRPC(page, 'core.playback.get_state', {}, (s) => s === 'stopped', `${url} not played`);
      assert.equal(state, 'stopped');
      assert.equal(tracks.length, 1, 'the form replaced the queue with the stream');
      const current = await rpc(page, 'core.playback.get_current_tl_track');
      assert.ok(current === null || current.track.uri !== url, `${url} is not the current track`);
      assert.equal(trap.connections(), 0, `the server connected to ${url}`);
    }
    // The page and the server are still working.
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    assert.equal(typeof (await rpc(page, 'core.get_version')), 'string');
    assert.match(mpc(server, 'status'), /volume:/);
    assert.deepEqual(page.dialogs, []);
  } finally {
    await trap.close();
    await page.close();
  }
});

// core.playback.play skips an unplayable track without an error, as Mopidy
// 3.4 does, so the page checks whether the stream plays and reports when not.
test('stream URL to a blocked address shows an error', async () => {
  const page = await openPage();
  try {
    await page.getByRole('link', { name: 'Playlists' }).click();
    await page.getByLabel('Stream URL').fill('http://127.0.0.1:9/radio.mp3');
    await page.getByRole('button', { name: 'Play stream' }).click();
    await page.getByRole('status').filter({ hasText: /^Error: / }).waitFor({ timeout: 5000 });
    const shown = await page.getByRole('status').first().textContent();
    assert.match(shown, /rejected|not allowed|not playable/i);
  } finally {
    await page.close();
  }
});

test('settings show version and manage API tokens', async () => {
  const guarded = await startServer({ users: [{ name: 'bob', password: 'battery staple' }] });
  try {
    const page = await browser.newPage();
    await page.goto(guarded.url + '/');
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('battery staple');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    const version = await page.evaluate(async () => {
      const response = await fetch('/mopidy/rpc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'core.get_version' }),
      });
      return (await response.json()).result;
    });
    assert.match(version, /^\d+\.\d+/);
    await page.locator('#server-version').filter({ hasText: version }).waitFor();
    assert.equal(await page.locator('#server-version').textContent(), version);
    await page.locator('#whoami').filter({ hasText: 'bob' }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.locator('#token-new');
    await shown.filter({ hasText: 'New token (shown once): ' }).waitFor();
    const secret = (await shown.textContent()).replace('New token (shown once): ', '').trim();
    assert.ok(secret.length >= 20, `token secret ${secret.length} characters long`);
    await page.getByRole('button', { name: 'Revoke script' }).waitFor();

    // The token authenticates a client without a session, as curl would.
    const callWith = (token, method, params = {}) => fetch(`${guarded.url}/mopidy/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const anonymous = await fetch(`${guarded.url}/mopidy/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'core.get_version' }),
    });
    assert.equal(anonymous.status, 401, 'no token, no session: rejected');
    let response = await callWith(secret, 'core.mixer.set_volume', { volume: 42 });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).result, true);
    response = await callWith(secret, 'core.mixer.get_volume');
    assert.equal((await response.json()).result, 42);

    await page.getByRole('button', { name: 'Revoke script' }).click();
    await page.getByRole('button', { name: 'Revoke script' }).waitFor({ state: 'detached' });
    response = await callWith(secret, 'core.mixer.get_volume');
    assert.equal(response.status, 401, 'revoked token rejected');
    response = await callWith(secret, 'core.mixer.set_volume', { volume: 10 });
    assert.equal(response.status, 401, 'revoked token rejected');
    const still = await page.evaluate(async () => {
      const r = await fetch('/mopidy/rpc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'core.mixer.get_volume' }),
      });
      return (await r.json()).result;
    });
    assert.equal(still, 42, 'the revoked token changed nothing');
    await page.close();
  } finally {
    await guarded.stop();
  }
});

test('listen here plays the HTTP stream in the page', async () => {
  const streaming = await startServer({ output: 'http' });
  try {
    const page = await browser.newPage();
    await page.goto(streaming.url + '/');
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    const results = await rpc(page, 'core.library.search', { query: { album: ['Blue Album'] } });
    const uris = results.flatMap((r) => r.tracks || []).map((t) => t.uri);
    const added = await rpc(page, 'core.tracklist.add', { uris });
    await rpc(page, 'core.playback.play', { tlid: added[0].tlid });
    await page.getByRole('button', { name: 'Listen here' }).click();
    // The audio element must decode the live Ogg Opus stream and move on.
    await page.waitForFunction(() => {
      const audio = document.getElementById('listen-audio');
      return audio.currentTime > 1.5 && !audio.error;
    }, null, { timeout: 20000 });
    const state = await page.locator('#listen-audio').evaluate((a) => ({ paused: a.paused, error: a.error && a.error.code }));
    assert.equal(state.error, null);
    assert.equal(state.paused, false);
    await page.close();
  } finally {
    await streaming.stop();
  }
});
