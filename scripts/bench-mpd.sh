#!/usr/bin/env bash
# Measures the Tonearm MPD frontend against MPD 0.23 on the same generated
# library, in one run: status round trips per second on one connection,
# "search any" latency, listallinfo time, "list album group albumartist"
# time, and resident memory with 100 clients waiting in idle. Prints a
# Markdown table.
#
# Both servers run as separate processes on free loopback ports. MPD
# (Debian package mpd) gets a null output with a software mixer and its own
# config, database and state in the work folder. Tonearm runs the MPD
# frontend over the real core with in-memory backends that hold the
# library's tags, so the SQLite library is not part of the measurement.
#
# Usage: scripts/bench-mpd.sh [work-folder]
# Environment: TRACKS (default 10000), SEED (default 1), DURATION of the
# status run (default 5s), CLIENTS waiting in idle (default 100).
# Needs: go, mpd, and the encoders the generator uses (sox, lame, flac,
# vorbis-tools, opus-tools, ffmpeg, python3-mutagen).
set -euo pipefail

tracks=${TRACKS:-10000}
seed=${SEED:-1}
duration=${DURATION:-5s}
clients=${CLIENTS:-100}
work=${1:-$(mktemp -d /tmp/bench-mpd.XXXXXX)}
repo=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v mpd >/dev/null; then
	echo "bench-mpd: mpd is missing; install the Debian package mpd" >&2
	exit 1
fi

mkdir -p "$work"
cd "$repo"
go build -o "$work/mpdbench" ./internal/mpd/mpdtest/cmd/mpdbench
if [ ! -d "$work/music" ]; then
	go run ./internal/testutil/fixtures/cmd/mklibrary -n "$tracks" -seed "$seed" "$work/music"
fi
"$work/mpdbench" run -music "$work/music" -n "$tracks" -seed "$seed" \
	-duration "$duration" -clients "$clients"
