#!/usr/bin/env bash
# Records core.describe of the real Mopidy 3.4 (Debian package mopidy) into
# internal/httpapi/testdata/mopidy-describe.json, which the Go tests compare
# with Tonearm's method table. Mopidy runs on a free loopback port with the
# fakesink output and a private config, data and cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mopidy >/dev/null || { echo "mopidy is missing: apt-get install mopidy" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/mopidy.conf" <<CONF
[core]
cache_dir = $work/cache
config_dir = $work/config
data_dir = $work/data
[audio]
output = fakesink
[http]
hostname = 127.0.0.1
port = $port
[mpd]
enabled = false
[file]
enabled = false
[local]
enabled = false
[m3u]
playlists_dir = $work/playlists
CONF
HOME=$work mopidy --config "$work/mopidy.conf" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/mopidy/" && break
  sleep 0.2
done
mopidy --version | tail -1 > internal/httpapi/testdata/mopidy-describe.version
curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"core.describe"}' "http://127.0.0.1:$port/mopidy/rpc" |
  /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; json.dump({k: {"params": v["params"]} for k, v in sorted(r.items())}, sys.stdout, indent=1, sort_keys=True)' \
  > internal/httpapi/testdata/mopidy-describe.json
echo "recorded $(grep -c '"params"' internal/httpapi/testdata/mopidy-describe.json) methods"
