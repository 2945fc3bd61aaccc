#!/usr/bin/env bash
# Measures playback cost as the CPU share of one core and the peak resident
# memory. It runs Tonearm's player (internal/audio/player/cmd/playfile) on
# FLAC, MP3 and Opus files to PulseAudio and as an HTTP stream with 10
# listeners, then MPD on the same files to the same PulseAudio server.
# A private PulseAudio with a null sink runs in the work folder and is
# stopped by its PID at the end; MPD listens on a free loopback port.
#
# Usage: scripts/bench-playback.sh [work-folder]
# Environment: SECONDS_PER_FILE (default 30).
# Needs: go, pulseaudio, pulseaudio-utils, mpd, mpc, sox, flac, lame,
# opus-tools, curl, /usr/bin/time (Debian package time).
set -euo pipefail

seconds=${SECONDS_PER_FILE:-30}
work=${1:-$(mktemp -d /tmp/bench-playback.XXXXXX)}
repo=$(cd "$(dirname "$0")/.." && pwd)

for tool in pulseaudio pactl mpd mpc sox flac lame opusenc curl /usr/bin/time; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-playback: $tool is missing; install its Debian package" >&2
		exit 1
	fi
done

mkdir -p "$work"
cd "$repo"
go build -o "$work/playfile" ./internal/audio/player/cmd/playfile

# Music-like input: a sweep on the left, pink noise on the right, 44.1 kHz,
# so that the player resamples to 48 kHz as it would for most CDs.
music="$work/music"
mkdir -p "$music"
if [ ! -f "$music/bench.flac" ]; then
	sox -n -r 44100 -b 16 -c 2 "$work/src.wav" synth "$seconds" sine 110-1760 pinknoise vol 0.5
	flac -s -f -o "$music/bench.flac" "$work/src.wav"
	lame --quiet -V2 "$work/src.wav" "$music/bench.mp3"
	opusenc --quiet --bitrate 128 "$work/src.wav" "$music/bench.opus"
fi

# Private PulseAudio server.
pa="$work/pa"
mkdir -p "$pa"
chmod 700 "$pa"
XDG_RUNTIME_DIR=$pa HOME=$pa pulseaudio -n --daemonize=no --exit-idle-time=-1 \
	--disallow-exit=yes --use-pid-file=no --log-target=file:"$pa/pa.log" \
	-L "module-native-protocol-unix auth-anonymous=1 socket=$pa/native" \
	-L "module-null-sink sink_name=bench_sink rate=48000 channels=2" &
pa_pid=$!
mpd_pid=""
cleanup() {
	[ -n "$mpd_pid" ] && kill "$mpd_pid" 2>/dev/null || true
	kill "$pa_pid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT
export PULSE_SERVER=unix:$pa/native
for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl set-default-sink bench_sink

# cpu_ticks PID prints the process's user+system CPU time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p')"
echo "input: $seconds s, 44.1 kHz stereo; output 48 kHz stereo to a PulseAudio null sink"
printf '%-28s %10s %12s\n' "run" "CPU %" "peak RSS MB"

report() { # name cpu_seconds wall_seconds rss_kib
	awk -v n="$1" -v c="$2" -v w="$3" -v r="$4" \
		'BEGIN { printf "%-28s %10.2f %12.1f\n", n, 100 * c / w, r / 1024 }'
}

for fmt in flac mp3 opus; do
	/usr/bin/time -f '%e %U %S %M' -o "$work/time.$fmt" \
		"$work/playfile" -output pulse "$music/bench.$fmt" 2>"$work/playfile.$fmt.log"
	read -r wall user sys rss <"$work/time.$fmt"
	report "tonearm $fmt to pulse" "$(echo "$user + $sys" | bc)" "$wall" "$rss"
done

# HTTP stream: 5 Opus and 5 FLAC listeners for the whole file.
"$work/playfile" -output http -listen 127.0.0.1:0 "$music/bench.flac" >"$work/http.url" 2>"$work/playfile.http.log" &
http_pid=$!
for _ in $(seq 100); do [ -s "$work/http.url" ] && break; sleep 0.05; done
base=$(sed -n 's|^stream at \(http://[^/]*\)/.*|\1|p' "$work/http.url")
curl_pids=()
for i in $(seq 5); do
	curl -s -o /dev/null "$base/stream.opus" & curl_pids+=($!)
	curl -s -o /dev/null "$base/stream.flac" & curl_pids+=($!)
done
start_ticks=$(cpu_ticks "$http_pid")
start_ns=$(date +%s%N)
sleep $((seconds * 2 / 3))
end_ticks=$(cpu_ticks "$http_pid")
end_ns=$(date +%s%N)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$http_pid/status")
report "tonearm http, 10 listeners" "$(echo "($end_ticks - $start_ticks) / $hz" | bc -l)" \
	"$(echo "($end_ns - $start_ns) / 1000000000" | bc -l)" "$rss"
wait "$http_pid" || true
kill "${curl_pids[@]}" 2>/dev/null || true

# MPD with a pulse output into the same server.
mpd_dir="$work/mpd"
rm -rf "$mpd_dir"
mkdir -p "$mpd_dir"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$mpd_dir/mpd.conf" <<CONF
music_directory "$music"
db_file "$mpd_dir/db"
state_file "$mpd_dir/state"
pid_file "$mpd_dir/pid"
log_file "$mpd_dir/log"
bind_to_address "127.0.0.1"
port "$port"
zeroconf_enabled "no"
audio_output {
	type "pulse"
	name "bench"
	server "unix:$pa/native"
	sink "bench_sink"
}
CONF
mpd --no-daemon "$mpd_dir/mpd.conf" &
mpd_pid=$!
for _ in $(seq 100); do mpc -p "$port" status >/dev/null 2>&1 && break; sleep 0.1; done
mpc -q -p "$port" update --wait
echo "mpd: $(mpd --version | head -1)"
for fmt in flac mp3 opus; do
	mpc -q -p "$port" clear
	mpc -q -p "$port" add "bench.$fmt"
	start_ticks=$(cpu_ticks "$mpd_pid")
	start_ns=$(date +%s%N)
	mpc -q -p "$port" play
	while [ "$(mpc -p "$port" status '%state%')" = "playing" ]; do sleep 0.2; done
	end_ticks=$(cpu_ticks "$mpd_pid")
	end_ns=$(date +%s%N)
	rss=$(awk '/VmHWM/ {print $2}' "/proc/$mpd_pid/status")
	report "mpd $fmt to pulse" "$(echo "($end_ticks - $start_ticks) / $hz" | bc -l)" \
		"$(echo "($end_ns - $start_ns) / 1000000000" | bc -l)" "$rss"
done
