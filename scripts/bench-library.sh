#!/usr/bin/env bash
# Measures the local library against MPD on the same generated files:
# cold scan, unchanged rescan, peak resident memory of the scan, and search
# latency over 100,000 synthetic tracks. MPD (Debian package mpd) runs on a
# free loopback port with a null output and its own files in the work
# folder.
#
# Usage: scripts/bench-library.sh [--search-only] [work-folder]
# --search-only runs only the search part, which needs neither MPD nor the
# encoders.
# Environment: TRACKS (default 10000), SEARCH_TRACKS (default 100000).
# Needs: go, mpd, mpc, /usr/bin/time (Debian package time), and the encoders
# that the generator uses (sox, lame, flac, vorbis-tools, opus-tools, ffmpeg,
# python3-mutagen).
set -euo pipefail

search_only=false
if [ "${1:-}" = "--search-only" ]; then
	search_only=true
	shift
fi
tracks=${TRACKS:-10000}
search_tracks=${SEARCH_TRACKS:-100000}
work=${1:-$(mktemp -d /tmp/bench-library.XXXXXX)}
repo=$(cd "$(dirname "$0")/.." && pwd)

loadavg() { echo "load average ($1): $(cut -d' ' -f1-3 /proc/loadavg)"; }

search() {
	echo "== tonearm search over $search_tracks synthetic tracks"
	loadavg "before the search"
	rm -rf "$work/search"
	mkdir -p "$work/search"
	"$work/libbench" search -n "$search_tracks" -data "$work/search" | tee "$work/search.json"
	loadavg "after the search"
}

mkdir -p "$work"
cd "$repo"
go build -o "$work/libbench" ./internal/backend/local/cmd/libbench
if $search_only; then
	search
	exit 0
fi

for tool in mpd mpc /usr/bin/time; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-library: $tool is missing; install the Debian package ${tool##*/}" >&2
		exit 1
	fi
done

if [ ! -f "$work/music.done" ]; then
	rm -rf "$work/music"
	echo "generating $tracks tracks in $work/music"
	"$work/libbench" gen -dir "$work/music" -n "$tracks"
	touch "$work/music.done"
fi
sync

echo "== tonearm cold scan"
loadavg "before the cold scan"
rm -rf "$work/data"
/usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB max RSS' -o "$work/cold.time" \
	"$work/libbench" scan -music "$work/music" -data "$work/data" | tee "$work/cold.json"
cat "$work/cold.time"
loadavg "after the cold scan"

echo "== tonearm unchanged rescan"
/usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB max RSS' -o "$work/rescan.time" \
	"$work/libbench" scan -music "$work/music" -data "$work/data" | tee "$work/rescan.json"
cat "$work/rescan.time"

search

echo "== MPD $(mpd --version | head -1)"
mpd_dir="$work/mpd"
rm -rf "$mpd_dir"
mkdir -p "$mpd_dir"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$mpd_dir/mpd.conf" <<CONF
music_directory "$work/music"
db_file "$mpd_dir/database"
log_file "$mpd_dir/log"
bind_to_address "127.0.0.1"
port "$port"
zeroconf_enabled "no"
auto_update "no"
audio_output {
	type "null"
	name "null"
}
CONF
loadavg "before MPD"
start=$(date +%s.%N)
mpd --no-daemon "$mpd_dir/mpd.conf" &
mpd_pid=$!
trap 'kill "$mpd_pid" 2>/dev/null || true' EXIT
# Without a database file MPD 0.23 builds one at start; wait until it is
# done and counts every file.
for _ in $(seq 1200); do
	if out=$(mpc -p "$port" status 2>/dev/null) && ! grep -q 'Updating DB' <<<"$out"; then
		songs=$(mpc -p "$port" stats | awk '/^Songs:/ {print $2}')
		[ "${songs:-0}" -ge "$tracks" ] && break
	fi
	sleep 0.1
done
end=$(date +%s.%N)
ticks=$(getconf CLK_TCK)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$mpd_pid/stat")
awk -v s="$start" -v e="$end" -v u="$utime" -v y="$stime" -v t="$ticks" -v n="${songs:-0}" \
	'BEGIN { printf "MPD cold index: %.2f s wall, %.2f s user, %.2f s sys, songs %d\n", e - s, u / t, y / t, n }'
rescan_start=$(date +%s.%N)
mpc -p "$port" update --wait >/dev/null
rescan_end=$(date +%s.%N)
awk -v s="$rescan_start" -v e="$rescan_end" 'BEGIN { printf "MPD unchanged update: %.2f s wall\n", e - s }'
echo "MPD max RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$mpd_pid/status")"
loadavg "after MPD"
kill "$mpd_pid"
wait "$mpd_pid" 2>/dev/null || true
trap - EXIT

echo "== machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' || true
free -m | awk '/^Mem:/ {print "memory: " $2 " MiB"}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
