#!/usr/bin/env bash
# Measures the tonearm server's MPD frontend against MPD 0.23 on the same
# generated library, in one run: status round trips per second on one
# connection, "search any" latency, listallinfo time, "list album group
# albumartist" time, and resident memory with 100 clients waiting in idle.
# Prints a Markdown table.
#
# Tonearm is the real `tonearm` binary: `tonearm local scan` first fills
# its SQLite library from the music folder, then the server runs with the
# null output and the HTTP frontend off. MPD (Debian package mpd) gets a
# null output with a software mixer. Each has its own config, database and
# state in the work folder, listens on a free loopback port, and is
# stopped by its process id at the end. Every load is bounded: the status
# run by DURATION, the others by a count of commands, each command by 60 s.
#
# Usage: scripts/bench-mpd.sh [work-folder]
# Environment: TRACKS (default 10000), SEED (default 1), DURATION of the
# status run on each server (default 5s), CLIENTS waiting in idle (default
# 100), TONEARM, a tonearm binary to measure instead of building one.
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
work=$(cd "$work" && pwd)
cd "$repo"
go build -o "$work/mpdbench" ./internal/mpd/mpdtest/cmd/mpdbench
tonearm=${TONEARM:-}
if [ -z "$tonearm" ]; then
	tonearm=$work/tonearm
	go build -o "$tonearm" ./cmd/tonearm
fi
# music.done marks a library that mklibrary finished writing.
if [ ! -f "$work/music.done" ]; then
	rm -rf "$work/music"
	go run ./internal/testutil/fixtures/cmd/mklibrary -n "$tracks" -seed "$seed" "$work/music"
	echo "$tracks $seed" >"$work/music.done"
fi

# A fresh folder per run, so both servers start from an empty database.
run=$work/run-$(date +%Y%m%dT%H%M%S)
mkdir -p "$run"
echo "bench-mpd: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
"$work/mpdbench" -music "$work/music" -tonearm "$tonearm" -work "$run" \
	-duration "$duration" -clients "$clients"
echo "bench-mpd: load average $(cut -d' ' -f1-3 /proc/loadavg) after the run" >&2
