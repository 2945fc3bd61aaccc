// Tonearm's web interface: now playing, queue, library, playlists and
// settings over the JSON-RPC WebSocket, following other clients' changes
// through events.
import { Rpc } from './rpc.js';
import { el, byId, setText, clear, formatTime, artistNames } from './dom.js';

const wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const rpc = new Rpc(`${wsScheme}//${location.host}/mopidy/ws`);

const state = {
  playback: 'stopped',
  current: null,
  position: 0,
  positionAt: 0,
  length: 0,
  seeking: false,
  queue: [],
  browseStack: [],
};

function showError(error) {
  setText('connection', `Error: ${error.message}`);
}

function call(method, params) {
  return rpc.call(method, params).catch((error) => {
    showError(error);
    throw error;
  });
}

// Views

function showView(name) {
  for (const view of document.querySelectorAll('.view')) {
    view.hidden = view.id !== `view-${name}`;
  }
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (name === 'queue') refreshQueue();
  if (name === 'library' && !state.browseStack.length) browse(null, 'Library');
  if (name === 'playlists') refreshPlaylists();
  if (name === 'settings') refreshSettings();
}

function route() {
  const name = location.hash.slice(1) || 'now';
  showView(['now', 'queue', 'library', 'playlists', 'settings', 'login'].includes(name) ? name : 'now');
}

// Now playing and the player bar

function livePosition() {
  if (state.playback !== 'playing') return state.position;
  return state.position + (Date.now() - state.positionAt);
}

function setPosition(ms) {
  state.position = ms;
  state.positionAt = Date.now();
}

function renderPosition() {
  const position = Math.min(livePosition(), state.length || livePosition());
  setText('elapsed', formatTime(position));
  if (!state.seeking) byId('seek').value = String(position);
}

async function renderCurrent(tlTrack) {
  state.current = tlTrack || null;
  const track = tlTrack ? tlTrack.track : null;
  state.length = track && track.length ? track.length : 0;
  setText('now-name', track ? track.name || track.uri : 'Nothing playing');
  setText('now-artists', artistNames(track));
  setText('now-album', track && track.album ? track.album.name : '');
  setText('duration', formatTime(state.length));
  byId('seek').max = String(state.length);
  document.title = track ? `${track.name || ''} – Tonearm` : 'Tonearm';
  const cover = byId('now-cover');
  cover.src = 'icon.svg';
  if (track && track.uri) {
    try {
      const images = await call('core.library.get_images', { uris: [track.uri] });
      const list = images[track.uri] || [];
      if (list.length) cover.src = list[0].uri;
    } catch {
      // The cover stays at the default image.
    }
  }
  markQueueCurrent();
}

function renderState(playback) {
  state.playback = playback;
  const playing = playback === 'playing';
  byId('icon-play').toggleAttribute('hidden', playing);
  byId('icon-pause').toggleAttribute('hidden', !playing);
  byId('playpause').setAttribute('aria-label', playing ? 'Pause' : 'Play');
}

function renderVolume(volume) {
  if (volume !== null && volume !== undefined) byId('volume').value = String(volume);
}

function renderMute(mute) {
  byId('mute').setAttribute('aria-pressed', String(Boolean(mute)));
  byId('icon-volume').toggleAttribute('hidden', Boolean(mute));
  byId('icon-muted').toggleAttribute('hidden', !mute);
}

async function refreshOptions() {
  for (const mode of ['random', 'repeat', 'single', 'consume']) {
    const value = await call(`core.tracklist.get_${mode}`);
    document.querySelector(`[data-mode="${mode}"]`).setAttribute('aria-pressed', String(value));
  }
}

async function refreshPlayer() {
  const [playback, current, position, volume, mute] = await Promise.all([
    call('core.playback.get_state'),
    call('core.playback.get_current_tl_track'),
    call('core.playback.get_time_position'),
    call('core.mixer.get_volume'),
    call('core.mixer.get_mute'),
  ]);
  renderState(playback);
  setPosition(position);
  await renderCurrent(current);
  renderVolume(volume);
  renderMute(mute);
  const title = await call('core.playback.get_stream_title');
  setText('now-stream-title', title || '');
  await refreshOptions();
}

// Queue

function markQueueCurrent() {
  const tlid = state.current ? state.current.tlid : null;
  for (const row of byId('queue-list').children) {
    if (Number(row.dataset.tlid) === tlid) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
}

async function moveQueueRow(from, to) {
  if (from === to || to < 0 || to >= state.queue.length) return;
  await call('core.tracklist.move', { start: from, end: from + 1, to_position: to });
}

function queueRow(tlTrack, index) {
  const track = tlTrack.track || {};
  const row = el('li', {
    draggable: 'true', tabindex: '0', dataset: { tlid: tlTrack.tlid, index },
    'aria-label': `${track.name || track.uri}, position ${index + 1}`,
  },
  el('span', { class: 'title' }, track.name || track.uri),
  el('span', { class: 'artists' }, artistNames(track)),
  el('span', { class: 'length' }, formatTime(track.length)),
  el('button', { type: 'button', class: 'play', 'aria-label': `Play ${track.name || ''}`,
    onclick: () => call('core.playback.play', { tlid: tlTrack.tlid }) }, 'Play'),
  el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${track.name || ''}`,
    onclick: () => call('core.tracklist.remove', { criteria: { tlid: [tlTrack.tlid] } }) }, 'Remove'));
  row.addEventListener('dragstart', (event) => {
    event.dataTransfer.setData('text/plain', String(index));
    event.dataTransfer.effectAllowed = 'move';
  });
  row.addEventListener('dragover', (event) => event.preventDefault());
  row.addEventListener('drop', (event) => {
    event.preventDefault();
    const from = Number(event.dataTransfer.getData('text/plain'));
    moveQueueRow(from, index);
  });
  row.addEventListener('keydown', (event) => {
    if (event.altKey && event.key === 'ArrowUp') {
      event.preventDefault();
      moveQueueRow(index, index - 1).then(() => focusQueueRow(index - 1));
    } else if (event.altKey && event.key === 'ArrowDown') {
      event.preventDefault();
      moveQueueRow(index, index + 1).then(() => focusQueueRow(index + 1));
    } else if (event.key === 'Enter') {
      call('core.playback.play', { tlid: tlTrack.tlid });
    } else if (event.key === 'Delete') {
      call('core.tracklist.remove', { criteria: { tlid: [tlTrack.tlid] } });
    }
  });
  return row;
}

let focusAfterRefresh = null;

function focusQueueRow(index) {
  focusAfterRefresh = index;
}

async function refreshQueue() {
  state.queue = await call('core.tracklist.get_tl_tracks');
  const list = byId('queue-list');
  clear(list);
  state.queue.forEach((tlTrack, index) => list.append(queueRow(tlTrack, index)));
  markQueueCurrent();
  if (focusAfterRefresh !== null && list.children[focusAfterRefresh]) {
    list.children[focusAfterRefresh].focus();
  }
  focusAfterRefresh = null;
}

// Library

async function addAndMaybePlay(uris, play) {
  if (play) await call('core.tracklist.clear');
  const added = await call('core.tracklist.add', { uris });
  if (!added.length) {
    showError(new Error('nothing to add: the server found no track at that address'));
    return;
  }
  if (play) {
    await call('core.playback.play', { tlid: added[0].tlid });
    checkPlaying(added.map((tl) => tl.tlid));
  }
}

// checkPlaying reports an error when none of the added tracks plays: core
// skips unplayable tracks without failing the call, and logs the reason.
async function checkPlaying(tlids) {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const [playback, tlid] = await Promise.all([
    call('core.playback.get_state'), call('core.playback.get_current_tlid'),
  ]);
  if (playback === 'stopped' || !tlids.includes(tlid)) {
    showError(new Error('the track is not playable; the server log says why'));
  }
}

function refRow(ref) {
  const isTrack = ref.type === 'track';
  const open = () => browse(ref.uri, ref.name);
  return el('li', { dataset: { uri: ref.uri, type: ref.type } },
    isTrack
      ? el('span', { class: 'title' }, ref.name)
      : el('button', { type: 'button', class: 'link', onclick: open }, ref.name),
    el('span', { class: 'type' }, ref.type),
    ref.type === 'directory' ? null : el('button', { type: 'button', class: 'add', 'aria-label': `Add ${ref.name}`,
      onclick: () => addAndMaybePlay([ref.uri], false) }, 'Add'),
    ref.type === 'directory' ? null : el('button', { type: 'button', class: 'play', 'aria-label': `Play ${ref.name}`,
      onclick: () => addAndMaybePlay([ref.uri], true) }, 'Play'));
}

function renderCrumbs() {
  const crumbs = byId('crumbs');
  clear(crumbs);
  state.browseStack.forEach((entry, index) => {
    crumbs.append(el('button', { type: 'button', class: 'link', onclick: () => {
      state.browseStack = state.browseStack.slice(0, index);
      browse(entry.uri, entry.name);
    } }, entry.name));
  });
}

async function browse(uri, name) {
  const refs = await call('core.library.browse', { uri });
  state.browseStack.push({ uri, name });
  renderCrumbs();
  const actions = byId('library-actions');
  clear(actions);
  const tracks = refs.filter((ref) => ref.type === 'track').map((ref) => ref.uri);
  if (tracks.length) {
    actions.append(
      el('button', { type: 'button', onclick: () => addAndMaybePlay(tracks, false) }, 'Add all'),
      el('button', { type: 'button', onclick: () => addAndMaybePlay(tracks, true) }, 'Play all'));
  }
  const list = byId('library-list');
  clear(list);
  for (const ref of refs) list.append(refRow(ref));
}

let searchTimer = null;

async function search(text) {
  if (!text.trim()) return;
  const results = await call('core.library.search', { query: { any: [text] } });
  state.browseStack = [{ uri: null, name: 'Library' }];
  renderCrumbs();
  const list = byId('library-list');
  clear(list);
  const actions = byId('library-actions');
  clear(actions);
  for (const result of results) {
    for (const album of result.albums || []) {
      list.append(refRow({ uri: album.uri, name: album.name, type: 'album' }));
    }
    for (const track of result.tracks || []) {
      const row = refRow({ uri: track.uri, name: track.name || track.uri, type: 'track' });
      row.querySelector('.type').textContent = artistNames(track);
      list.append(row);
    }
  }
  if (!list.children.length) list.append(el('li', { class: 'empty' }, 'No matches'));
}

// Playlists and radio

async function openPlaylist(ref) {
  const items = await call('core.playlists.get_items', { uri: ref.uri });
  setText('playlist-title', ref.name);
  const actions = byId('playlist-actions');
  clear(actions);
  const uris = (items || []).map((item) => item.uri);
  actions.append(
    el('button', { type: 'button', onclick: () => addAndMaybePlay(uris, true) }, 'Play'),
    el('button', { type: 'button', onclick: () => addAndMaybePlay(uris, false) }, 'Add to queue'),
    el('button', { type: 'button', onclick: async () => {
      await call('core.playlists.delete', { uri: ref.uri });
      setText('playlist-title', '');
      clear(actions);
      clear(byId('playlist-items'));
      refreshPlaylists();
    } }, 'Delete'));
  const list = byId('playlist-items');
  clear(list);
  for (const item of items || []) list.append(el('li', {}, item.name || item.uri));
}

async function refreshPlaylists() {
  const refs = await call('core.playlists.as_list');
  const list = byId('playlist-list');
  clear(list);
  for (const ref of refs) {
    list.append(el('li', {}, el('button', { type: 'button', class: 'link', onclick: () => openPlaylist(ref) }, ref.name)));
  }
}

// Settings and tokens

async function refreshSettings() {
  setText('server-version', await call('core.get_version'));
  const who = await (await fetch('/whoami')).json();
  setText('whoami', who.login_required ? 'not signed in' : `${who.name} (${who.kind})`);
  const status = await fetch('/api/status');
  if (status.ok) {
    const body = await status.json();
    const library = body.library || {};
    const size = `${library.tracks || 0} tracks, ${library.albums || 0} albums, ${library.artists || 0} artists`;
    setText('library-status', library.scanning ? `Scanning the music folder… ${size} so far` : size);
  }
  await refreshTokens();
}

async function refreshTokens() {
  const list = byId('token-list');
  clear(list);
  const response = await fetch('/api/tokens');
  if (!response.ok) {
    list.append(el('li', { class: 'empty' }, 'Sign in with an account to manage tokens.'));
    return;
  }
  for (const token of await response.json()) {
    list.append(el('li', {},
      el('span', { class: 'title' }, token.name),
      el('span', { class: 'type' }, (token.scopes || []).join(', ')),
      el('button', { type: 'button', 'aria-label': `Revoke ${token.name}`, onclick: async () => {
        await fetch(`/api/tokens/${encodeURIComponent(token.name)}`, { method: 'DELETE' });
        refreshTokens();
      } }, 'Revoke')));
  }
}

// Events from the server

function bindEvents() {
  rpc.on('state', async (connection) => {
    if (connection !== 'online') {
      setText('connection', 'Disconnected');
      return;
    }
    // "Connected" shows once the page holds the server's state, so a
    // change made right after it appears cannot be overwritten by the
    // replies of this first fetch.
    await refreshPlayer();
    route();
    setText('connection', 'Connected');
  });
  rpc.on('event:track_playback_started', (e) => {
    setPosition(0);
    renderCurrent(e.tl_track);
  });
  rpc.on('event:playback_state_changed', (e) => {
    setPosition(livePosition());
    renderState(e.new_state);
    if (e.new_state === 'stopped') setPosition(0);
  });
  rpc.on('event:track_playback_paused', (e) => setPosition(e.time_position));
  rpc.on('event:track_playback_resumed', (e) => setPosition(e.time_position));
  rpc.on('event:seeked', (e) => setPosition(e.time_position));
  rpc.on('event:volume_changed', (e) => renderVolume(e.volume));
  rpc.on('event:mute_changed', (e) => renderMute(e.mute));
  rpc.on('event:options_changed', () => refreshOptions());
  rpc.on('event:stream_title_changed', (e) => setText('now-stream-title', e.title));
  rpc.on('event:tracklist_changed', () => {
    if (!byId('view-queue').hidden) refreshQueue();
  });
  rpc.on('event:playlist_changed', () => {
    if (!byId('view-playlists').hidden) refreshPlaylists();
  });
  rpc.on('event:playlist_deleted', () => {
    if (!byId('view-playlists').hidden) refreshPlaylists();
  });
}

// Controls

function bindControls() {
  window.addEventListener('hashchange', route);
  byId('playpause').addEventListener('click', () => {
    if (state.playback === 'playing') call('core.playback.pause');
    else if (state.playback === 'paused') call('core.playback.resume');
    else call('core.playback.play');
  });
  byId('previous').addEventListener('click', () => call('core.playback.previous'));
  byId('next').addEventListener('click', () => call('core.playback.next'));
  const seek = byId('seek');
  seek.addEventListener('input', () => { state.seeking = true; });
  seek.addEventListener('change', async () => {
    state.seeking = false;
    await call('core.playback.seek', { time_position: Number(seek.value) });
  });
  byId('volume').addEventListener('change', (event) => call('core.mixer.set_volume', { volume: Number(event.target.value) }));
  byId('mute').addEventListener('click', (event) => {
    const muted = event.currentTarget.getAttribute('aria-pressed') === 'true';
    call('core.mixer.set_mute', { mute: !muted });
  });
  for (const button of document.querySelectorAll('[data-mode]')) {
    button.addEventListener('click', () => {
      const on = button.getAttribute('aria-pressed') === 'true';
      call(`core.tracklist.set_${button.dataset.mode}`, { value: !on });
    });
  }
  const audio = byId('listen-audio');
  byId('listen').addEventListener('click', (event) => {
    const button = event.currentTarget;
    const on = button.getAttribute('aria-pressed') === 'true';
    if (on) {
      audio.pause();
      audio.removeAttribute('src');
      audio.load();
    } else {
      audio.src = `/stream?t=${Date.now()}`;
      audio.play().catch(showError);
    }
    button.setAttribute('aria-pressed', String(!on));
  });
  byId('queue-clear').addEventListener('click', () => call('core.tracklist.clear'));
  byId('queue-save').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = new FormData(event.target).get('name');
    const playlist = await call('core.playlists.create', { name });
    if (!playlist) return;
    playlist.tracks = state.queue.map((tl) => tl.track);
    await call('core.playlists.save', { playlist });
    event.target.reset();
  });
  byId('search').addEventListener('input', (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(event.target.value), 250);
  });
  for (const tab of document.querySelectorAll('[data-browse]')) {
    tab.addEventListener('click', () => {
      state.browseStack = [];
      browse(tab.dataset.browse || null, tab.textContent);
    });
  }
  byId('stream-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const url = new FormData(event.target).get('url');
    await addAndMaybePlay([url], true);
  });
  byId('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    });
    if (!response.ok) {
      setText('login-error', response.status === 429 ? 'Too many failed logins: try again later.' : 'Invalid user name or password.');
      return;
    }
    location.hash = '#now';
    start();
  });
  byId('logout').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST' });
    rpc.close();
    location.hash = '#login';
    start();
  });
  byId('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const scopes = String(form.get('scopes')).split(',').map((s) => s.trim()).filter(Boolean);
    const response = await fetch('/api/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: form.get('name'), scopes }),
    });
    const body = await response.json().catch(() => ({}));
    setText('token-new', response.ok
      ? `New token (shown once): ${body.token}`
      : `Token not created: ${body.error || response.status}`);
    refreshTokens();
  });
  setInterval(renderPosition, 500);
}

async function start() {
  const who = await fetch('/whoami');
  if (who.status === 401) {
    setText('connection', 'Login required');
    showView('login');
    return;
  }
  rpc.connect();
}

bindEvents();
bindControls();
start();
