#!/bin/sh
# Regenerates tone.mp3, the MP3 stream the tests serve: a 3-second
# 440 Hz sine, mono, 44.1 kHz, 64 kbit/s CBR. Needs sox and lame.
set -eu
cd "$(dirname "$0")"
sox -n -r 44100 -c 1 -b 16 tone.wav synth 3 sine 440 vol 0.5
lame --quiet -b 64 --cbr tone.wav tone.mp3
rm tone.wav
