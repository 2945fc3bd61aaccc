// Drives the server with mopidy.js 1.3.0, the client library that Mopidy
// web clients are built on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Mopidy from 'mopidy';
import { startServer } from './harness.mjs';

let server;
let mopidy;

function waitFor(emitter, name, predicate = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms);
    const handler = (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      emitter.off(name, handler);
      resolve(payload);
    };
    emitter.on(name, handler);
  });
}

before(async () => {
  server = await startServer();
  mopidy = new Mopidy({
    webSocketUrl: `ws://127.0.0.1:${server.httpPort}/mopidy/ws`,
    autoConnect: false,
    console: { log() {}, warn() {}, error() {} },
  });
  const online = waitFor(mopidy, 'state:online');
  mopidy.connect();
  await online;
});

after(async () => {
  if (mopidy) await mopidy.close();
  if (server) await server.stop();
});

test('describe builds the controllers', () => {
  for (const name of ['playback.play', 'tracklist.add', 'library.search', 'mixer.setVolume', 'playlists.asList', 'history.getHistory']) {
    const [controller, method] = name.split('.');
    assert.equal(typeof mopidy[controller][method], 'function', `mopidy.${name} missing`);
  }
  assert.equal(typeof mopidy.getVersion, 'function');
});

test('search, add and play emit events', async () => {
  const results = await mopidy.library.search({ query: { album: ['Blue Album'] } });
  const tracks = results.flatMap((r) => r.tracks || []);
  assert.equal(tracks.length, 3, 'the album has three tracks');

  const changed = waitFor(mopidy, 'event:tracklistChanged');
  const added = await mopidy.tracklist.add({ uris: tracks.map((t) => t.uri) });
  assert.equal(added.length, 3);
  await changed;
  assert.equal(await mopidy.tracklist.getLength(), 3);

  const started = waitFor(mopidy, 'event:trackPlaybackStarted');
  const state = waitFor(mopidy, 'event:playbackStateChanged', (e) => e.new_state === 'playing');
  await mopidy.playback.play({ tlid: added[0].tlid });
  const event = await started;
  assert.equal(event.tl_track.tlid, added[0].tlid);
  assert.equal(event.tl_track.__model__, 'TlTrack');
  await state;
  assert.equal(await mopidy.playback.getState(), 'playing');

  const volume = waitFor(mopidy, 'event:volumeChanged', (e) => e.volume === 42);
  assert.equal(await mopidy.mixer.setVolume({ volume: 42 }), true);
  await volume;

  const paused = waitFor(mopidy, 'event:trackPlaybackPaused');
  await mopidy.playback.pause();
  await paused;

  const moved = waitFor(mopidy, 'event:tracklistChanged');
  await mopidy.tracklist.move({ start: 0, end: 1, to_position: 2 });
  await moved;
  const order = await mopidy.tracklist.getTlTracks();
  assert.equal(order[2].tlid, added[0].tlid);
});

test('errors reject with a server error', async () => {
  await assert.rejects(mopidy.tracklist.move({ start: 5, end: 9, to_position: 0 }), (error) => {
    assert.equal(error.name, 'ServerError');
    return true;
  });
});
