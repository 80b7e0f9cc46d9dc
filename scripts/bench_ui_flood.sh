#!/usr/bin/env bash
# The interactive monitor under a token flood: `charm-demo --flood | charm-monitor` in a
# private tmux server, twice: from an empty start, then with RUNS finished runs (one tool
# call each) emitted before the flood starts, so the screen's cost with history retained
# is measured beside its cost without. Each pass reports the monitor's CPU share
# (utime+stime from /proc over the window), its peak RSS (VmHWM) and key-to-screen latency
# (send-keys `?` until the help overlay is in capture-pane; median of several tries).
# Targets: <= 20 % of one core, and with RUNS retained no more than 1.2x that; < 200 MB;
# < 100 ms.
#
#   scripts/bench_ui_flood.sh [BUILD_DIR]     (default .build-ui/release, else .build/release, …)
#   RATE=100000 DURATION=10 TRIES=9 RUNS=10000 scripts/bench_ui_flood.sh
#   RUNS=0 scripts/bench_ui_flood.sh          (the empty start only)
#   MONITOR_ARGS=--no-record scripts/bench_ui_flood.sh   (recording off, the peer of recording on)
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${1:-}
if [[ -z "$BUILD" ]]; then
    for candidate in .build-ui/release .build/release .build-ui/debug .build/debug; do
        if [[ -x "$candidate/charm-monitor" && -x "$candidate/charm-demo" ]]; then BUILD=$candidate; break; fi
    done
fi
[[ -n "$BUILD" && -x "$BUILD/charm-monitor" ]] || { echo "no charm-monitor/charm-demo build found" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }

RATE=${RATE:-100000}
DURATION=${DURATION:-10}
TRIES=${TRIES:-9}
RUNS=${RUNS:-10000}
# Extra charm-monitor flags; the interactive monitor records by default, into $WORK here.
MONITOR_ARGS=${MONITOR_ARGS:-}
SOCKET="charm-bench-$$"
WORK=$(mktemp -d)
T() { tmux -L "$SOCKET" "$@"; }
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
BIN=$(cd "$BUILD" && pwd)
HZ=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }

# One pass: the flood after `$1` finished runs; sets CPU, HWM_KB, MEDIAN, LAT, EVENTS, SEEN_RUNS.
measure() {
local history=$1
rm -f "$WORK/pid"
# $! of the pipeline's last command is the monitor; the pane keeps running until q.
T -f /dev/null new-session -d -s bench -x 120 -y 36 \
    "env TERM=xterm-256color LANG=C.UTF-8 sh -c '\"$BIN/charm-demo\" --finished-runs $history --flood --flood-rate $RATE --duration $DURATION | XDG_DATA_HOME=\"$WORK/data\" \"$BIN/charm-monitor\" $MONITOR_ARGS & echo \$! > \"$WORK/pid\"; wait'"
T set-option -g status off >/dev/null

for _ in $(seq 100); do [[ -s "$WORK/pid" ]] && break; sleep 0.05; done
PID=$(cat "$WORK/pid")
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# Let the history arrive (the runs pane's title counts the runs kept; the monitor keeps
# 10,000 by default) and the flood get going, then measure CPU over most of the window.
if (( history > 0 )); then
    for _ in $(seq 400); do
        kept=$(T capture-pane -p -t bench | grep -o 'Runs [0-9]*' | head -1 | awk '{print $2}' || true)
        (( ${kept:-0} >= history || ${kept:-0} >= 10000 )) && break
        sleep 0.05
    done
fi
sleep 1
T0=$(now_ms); C0=$(ticks)

# Key-to-screen latency, measured while the flood runs.
LAT=()
for _ in $(seq "$TRIES"); do
    start=$(now_ms)
    T send-keys -t bench '?'
    until T capture-pane -p -t bench | grep -q 'any key closes'; do sleep 0.01; done
    LAT+=($(( $(now_ms) - start )))
    T send-keys -t bench Escape
    until ! T capture-pane -p -t bench | grep -q 'any key closes'; do sleep 0.01; done
    sleep 0.2
done

WINDOW_END=$(( T0 + (DURATION - 2) * 1000 ))
while (( $(now_ms) < WINDOW_END )); do sleep 0.1; done
T1=$(now_ms); C1=$(ticks)
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
EVENTS=$(T capture-pane -p -t bench | grep -o 'events [0-9.kM]*' | head -1 || true)
SEEN_RUNS=$(T capture-pane -p -t bench | grep -o 'Runs [0-9]*' | head -1 || true)
T send-keys -t bench q
CPU=$(awk -v c=$((C1 - C0)) -v hz="$HZ" -v ms=$((T1 - T0)) 'BEGIN { printf "%.1f", 100 * c / hz / (ms / 1000) }')
MEDIAN=$(printf '%s\n' "${LAT[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
T kill-server 2>/dev/null || true
}

report() {
echo "flood:            $RATE tokens/s for ${DURATION}s after $1 finished runs (${EVENTS:-events ?} seen, ${SEEN_RUNS:-runs ?})"
echo "monitor CPU:      ${CPU}% of one core"
echo "monitor peak RSS: $((HWM_KB / 1024)) MB   (target < 200 MB)"
echo "key → screen:     median ${MEDIAN} ms over $TRIES tries: ${LAT[*]}   (target < 100 ms)"
}

echo "build:            $BUILD   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
measure 0
EMPTY_CPU=$CPU
report 0
echo "                  (target <= 20% of one core)"
if (( RUNS > 0 )); then
    measure "$RUNS"
    report "$RUNS"
    echo "                  $(awk -v a="$CPU" -v b="$EMPTY_CPU" 'BEGIN { printf "%.2fx the empty start (%.1f%%)", (b > 0 ? a / b : 0), b }')   (target <= 1.2x)"
fi
