#!/usr/bin/env bash
# Measures Tonearm's HTTP frontend against Mopidy 3.4 (Debian package
# mopidy) in one run, with e2e/bench/httpbench. It measures JSON-RPC calls
# per second over POST with keep-alive and over one WebSocket with pipelined
# requests. It also times core.mixer.set_volume until every one of 100 open
# WebSockets has received volume_changed. It prints a Markdown table, then
# the machine and the load average seen during the run.
#
# Both servers run as separate processes on free loopback ports, each with a
# private config, data and cache folder in the work folder. Mopidy gets the
# fakesink output and its software mixer; Tonearm gets the null output and
# the small library that e2e/cmd/mkmusic writes. Every load stops by itself
# after DURATION or CALLS calls, whichever comes first.
#
# Usage: scripts/bench-http.sh [work-folder]
# Environment: DURATION of each call-rate load (default 5s), CALLS per load
# (default 200000), CLIENTS for POST (default 4), WINDOW of WebSocket
# requests in flight (default 32), SOCKETS (default 100), REPEATS of the
# volume change (default 31).
# Needs: go, curl, mopidy.
set -euo pipefail

duration=${DURATION:-5s}
calls=${CALLS:-200000}
clients=${CLIENTS:-4}
window=${WINDOW:-32}
sockets=${SOCKETS:-100}
repeats=${REPEATS:-31}
work=${1:-$(mktemp -d /tmp/bench-http.XXXXXX)}
repo=$(cd "$(dirname "$0")/.." && pwd)

for tool in go curl mopidy; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-http: $tool is missing" >&2
		exit 1
	fi
done

mkdir -p "$work"
work=$(cd "$work" && pwd)
pids=()
stop_servers() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
trap stop_servers EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() { # URL NAME LOG PID
	for _ in $(seq 150); do
		if curl -sf -o /dev/null "$1"; then
			return 0
		fi
		if ! kill -0 "$4" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	echo "bench-http: $2 did not start listening on $1; its log:" >&2
	tail -20 "$3" >&2
	exit 1
}

cd "$repo"
go build -o "$work/bin/tonearm" ./cmd/tonearm
go build -o "$work/bin/httpbench" ./e2e/bench/httpbench
if [ ! -d "$work/music" ]; then
	go run ./e2e/cmd/mkmusic "$work/music" >/dev/null
fi

# Mopidy, started as scripts/record-mopidy-describe.sh does, with its file
# backend on the same music folder.
mopidy_port=$(free_port)
mkdir -p "$work/mopidy"
cat >"$work/mopidy/mopidy.conf" <<CONF
[core]
cache_dir = $work/mopidy/cache
config_dir = $work/mopidy/config
data_dir = $work/mopidy/data
[audio]
output = fakesink
[http]
hostname = 127.0.0.1
port = $mopidy_port
[mpd]
enabled = false
[file]
media_dirs = $work/music
[local]
enabled = false
[m3u]
playlists_dir = $work/mopidy/playlists
CONF
HOME=$work/mopidy mopidy --config "$work/mopidy/mopidy.conf" >"$work/mopidy/log" 2>&1 &
pids+=($!)
mopidy_pid=$!

# Tonearm, configured as the browser tests' harness does.
tonearm_port=$(free_port)
mpd_port=$(free_port)
root_args=()
if [ "$(id -u)" = 0 ]; then
	root_args=(--allow-root)
fi
mkdir -p "$work/tonearm/playlists"
cat >"$work/tonearm/tonearm.conf" <<CONF
[core]
data_dir = $work/tonearm/data
cache_dir = $work/tonearm/cache
restore_state = false
[local]
media_dir = $work/music
[file]
media_dirs = $work/music
[m3u]
playlists_dir = $work/tonearm/playlists
[audio]
output = null
[mpd]
hostname = 127.0.0.1
port = $mpd_port
[http]
hostname = 127.0.0.1
port = $tonearm_port
# One address opens the 100 event sockets; Mopidy has no such cap.
max_websockets_per_principal = 0
CONF
chmod 600 "$work/tonearm/tonearm.conf"
HOME=$work/tonearm "$work/bin/tonearm" "${root_args[@]}" --config "$work/tonearm/tonearm.conf" local scan >"$work/tonearm/scan.log" 2>&1
HOME=$work/tonearm "$work/bin/tonearm" "${root_args[@]}" --config "$work/tonearm/tonearm.conf" >"$work/tonearm/log" 2>&1 &
pids+=($!)
tonearm_pid=$!

wait_for "http://127.0.0.1:$mopidy_port/mopidy/" Mopidy "$work/mopidy/log" "$mopidy_pid"
wait_for "http://127.0.0.1:$tonearm_port/mopidy/" Tonearm "$work/tonearm/log" "$tonearm_pid"

# Queue the same three files on both, so get_length counts a real queue.
# Both read them through their file backend.
queue_files() { # PORT
	local n=0 file uri
	for file in "$work/music/Test Artist/Blue Album/"*.flac; do
		n=$((n + 1))
		uri=$(/usr/bin/python3 -c 'import pathlib,sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$file")
		curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
			-d "{\"jsonrpc\":\"2.0\",\"id\":$n,\"method\":\"core.tracklist.add\",\"params\":{\"uris\":[\"$uri\"]}}" \
			"http://127.0.0.1:$1/mopidy/rpc"
	done
	curl -sf -X POST -H 'Content-Type: application/json' \
		-d '{"jsonrpc":"2.0","id":1,"method":"core.tracklist.get_length"}' "http://127.0.0.1:$1/mopidy/rpc"
	echo
}
queue_files "$mopidy_port"
queue_files "$tonearm_port"

load_log="$work/loadavg"
: >"$load_log"
(
	for _ in $(seq 600); do
		cut -d' ' -f1 /proc/loadavg >>"$load_log"
		sleep 1
	done
) &
sampler=$!
pids+=($sampler)

"$work/bin/httpbench" \
	-target "Mopidy $(mopidy --version 2>/dev/null | tail -1 | sed 's/^Mopidy //')=http://127.0.0.1:$mopidy_port" \
	-target "Tonearm=http://127.0.0.1:$tonearm_port" \
	-duration "$duration" -calls "$calls" -clients "$clients" -window "$window" \
	-sockets "$sockets" -repeats "$repeats"

kill "$sampler" 2>/dev/null || true
echo
echo "machine: nproc $(nproc), $(lscpu | sed -n 's/^Model name: *//p'), $(free -h | awk '/^Mem:/ {print $2}') memory"
echo "load average (1 min) during the run: $(sort -n "$load_log" | head -1) to $(sort -n "$load_log" | tail -1)"
