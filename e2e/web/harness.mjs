// Starts a real tonearm server for a test: a private data folder, the
// generated music library, free loopback ports and the null audio output.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

let builtBinary = null;

// binary returns the tonearm binary: $TONEARM_BIN, or one built once.
export function binary() {
  if (process.env.TONEARM_BIN) return process.env.TONEARM_BIN;
  if (!builtBinary) {
    const dir = mkdtempSync(join(tmpdir(), 'tonearm-bin-'));
    builtBinary = join(dir, 'tonearm');
    execFileSync('go', ['build', '-o', builtBinary, './cmd/tonearm'], { cwd: repo, stdio: 'inherit' });
  }
  return builtBinary;
}

let musicDir = null;

// music returns the generated test library: $TONEARM_E2E_MUSIC, or one
// made once by e2e/cmd/mkmusic.
export function music() {
  if (process.env.TONEARM_E2E_MUSIC) return process.env.TONEARM_E2E_MUSIC;
  if (!musicDir) {
    musicDir = mkdtempSync(join(tmpdir(), 'tonearm-music-'));
    execFileSync('go', ['run', './e2e/cmd/mkmusic', musicDir], { cwd: repo, stdio: 'inherit' });
  }
  return musicDir;
}

// rootArgs lets the server run as root, which CI machines are.
const rootArgs = process.getuid && process.getuid() === 0 ? ['--allow-root'] : [];

export function tonearm(config, args, input) {
  return execFileSync(binary(), [...rootArgs, '--config', config, ...args], {
    input, encoding: 'utf8', env: { ...process.env, HOME: config.replace(/\/tonearm\.conf$/, '') },
  });
}

// startServer scans the library and runs the server until stop().
export async function startServer({ users = [], extra = '', output = 'null' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tonearm-e2e-'));
  const httpPort = await freePort();
  const mpdPort = await freePort();
  mkdirSync(join(dir, 'playlists'), { mode: 0o700 });
  const config = join(dir, 'tonearm.conf');
  writeFileSync(config, [
    '[core]', `data_dir = ${join(dir, 'data')}`, `cache_dir = ${join(dir, 'cache')}`, 'restore_state = false',
    '[local]', `media_dir = ${music()}`,
    '[file]', `media_dirs = ${music()}`,
    '[m3u]', `playlists_dir = ${join(dir, 'playlists')}`,
    '[audio]', `output = ${output}`,
    '[mpd]', 'hostname = 127.0.0.1', `port = ${mpdPort}`,
    '[http]', 'hostname = 127.0.0.1', `port = ${httpPort}`,
    extra, '',
  ].join('\n'), { mode: 0o600 });
  tonearm(config, ['local', 'scan']);
  for (const { name, password } of users) {
    tonearm(config, ['user', 'add', name], `${password}\n`);
  }
  const child = spawn(binary(), [...rootArgs, '--config', config], {
    stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, HOME: dir },
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tonearm exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/whoami`);
      if (response.status === 200 || response.status === 401) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('tonearm did not start listening within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, httpPort, mpdPort, dir, config,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function mpc(server, ...args) {
  return execFileSync('mpc', ['-h', '127.0.0.1', '-p', String(server.mpdPort), ...args], { encoding: 'utf8' });
}

export const chromiumPath = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;

export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];
