# Helpers of scripts/bench-churn.sh for the peers it drives from bash (sourced, not run): a timed
# pass of worker loops, CPU accounting from /proc, and the JSONL records in the format of
# ../shared/peers/lib.sh and dev.cnm.bench.report.PhaseSamples (nearest-rank percentiles, rate =
# samples / wall time of the pass), appended to $RESULTS_FILE.

# Clock ticks of the whole machine's busy time (/proc/stat's cpu line without idle and iowait).
host_busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# proc_ticks PID...: utime + stime + cutime + cstime of the processes, in clock ticks (gone: 0).
proc_ticks() {
  local p sum=0 f
  for p; do
    f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086
    set -- $f
    sum=$((sum + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$sum"
}

# The calling shell's CPU with its children's, in ms, as a last line "cpu MS" (bash's `times`,
# redirected to a file: in a pipe or $(...) it would run in a subshell, whose children are none).
cpu_of_shell() {
  times > "$WORK/times.$BASHPID"
  awk '{ for (i = 1; i <= NF; i++) { split($i, a, /[ms]/); ms += (a[1] * 60 + a[2]) * 1000 } }
    END { printf "cpu %.0f\n", ms }' "$WORK/times.$BASHPID"
  rm -f "$WORK/times.$BASHPID"
}

# json_stats PEER METRIC WALL_US < µs samples: one lib.sh-style record (also printed as a line)
json_stats() {
  local peer=$1 metric=$2 wall=$3
  sort -n | awk -v peer="$peer" -v metric="$metric" -v wall="$wall" -v host="$(hostname)" -v ts="$(date -u +%FT%TZ)" \
    -v out="$RESULTS_FILE" '
    { v[NR] = $1 / 1000.0; s += $1 / 1000.0 }
    END {
      n = NR; if (n == 0) { printf "[%s] %s: no samples\n", peer, metric; exit }
      r50 = int(n * 0.50 + 0.999999); r95 = int(n * 0.95 + 0.999999); r99 = int(n * 0.99 + 0.999999)
      total = wall / 1e6
      printf "[%s] %-28s n=%-4d median=%8.3f ms  p95=%8.3f ms  p99=%8.3f ms  mean=%8.3f  min=%8.3f  max=%8.3f  total=%7.3f s  rate=%8.2f /s\n", \
        peer, metric, n, v[r50], v[r95], v[r99], s / n, v[1], v[n], total, n / total
      printf "{\"peer\":\"%s\",\"metric\":\"%s\",\"n\":%d,\"median_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"mean_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"total_s\":%.6f,\"per_s\":%.2f,\"host\":\"%s\",\"ts\":\"%s\"}\n", \
        peer, metric, n, v[r50], v[r95], v[r99], s / n, v[1], v[n], total, n / total, host, ts >> out
    }'
}

# json_value PEER METRIC NUMBER UNIT
json_value() {
  printf '[%s] %-28s %s %s\n' "$1" "$2" "$3" "$4"
  printf '{"peer":"%s","metric":"%s","value":%s,"unit":"%s","host":"%s","ts":"%s"}\n' \
    "$1" "$2" "$3" "$4" "$(hostname)" "$(date -u +%FT%TZ)" >> "$RESULTS_FILE"
}

# run_pass PEER K C WORKER [DAEMON_TICKS]: C copies of `WORKER W DEADLINE_US` side by side for
# $DURATION s (through $PASS_WRAP when set: e.g. nsenter into the peer's namespace, the worker then
# exported with export -f); each prints one line "join attach leave detach" (µs) a cycle and last "cpu MS" (its
# own and its children's CPU). DAEMON_TICKS, when given, prints the peer's daemons' CPU ticks.
run_pass() {
  local peer=$1 k=$2 c=$3 fn=$4 dticks=${5:-} w t0 t1 h0 h1 d0=0 d1=0 sfx="@k$2c$3" n cpu pids=()
  h0=$(host_busy_ticks); [ -n "$dticks" ] && d0=$($dticks)
  t0=${EPOCHREALTIME/./}
  for ((w = 0; w < c; w++)); do
    if [ -n "${PASS_WRAP:-}" ]; then
      $PASS_WRAP bash -c "$fn $w $((t0 + DURATION * 1000000))" > "$WORK/pass.$w" &
    else
      "$fn" "$w" $((t0 + DURATION * 1000000)) > "$WORK/pass.$w" &
    fi
    pids+=($!)
  done
  wait "${pids[@]}"   # only the workers: the script may run a daemon in the background
  t1=${EPOCHREALTIME/./}; h1=$(host_busy_ticks); [ -n "$dticks" ] && d1=$($dticks)
  cat $(for ((w = 0; w < c; w++)); do echo "$WORK/pass.$w"; done) > "$WORK/pass"
  grep -v '^cpu' "$WORK/pass" > "$WORK/pass.lat" || true
  n=$(wc -l < "$WORK/pass.lat")
  [ "$n" -gt 0 ] || { echo "[$peer] pass K=$k C=$c: no cycle completed" >&2; return 1; }
  awk '{print $1}' "$WORK/pass.lat" | json_stats "$peer" "churn.join$sfx" $((t1 - t0))
  awk '{print $2}' "$WORK/pass.lat" | json_stats "$peer" "churn.attach$sfx" $((t1 - t0))
  awk '{print $3}' "$WORK/pass.lat" | json_stats "$peer" "churn.leave$sfx" $((t1 - t0))
  awk '{print $4}' "$WORK/pass.lat" | json_stats "$peer" "churn.detach$sfx" $((t1 - t0))
  awk '{print $2 + $4}' "$WORK/pass.lat" | json_stats "$peer" "churn.cycle$sfx" $((t1 - t0))
  cpu=$(awk '/^cpu/{s += $2} END{print s + 0}' "$WORK/pass")
  json_value "$peer" "churn.cpu_per_cycle$sfx" "$(awk -v a="$cpu" -v d=$((d1 - d0)) -v n="$n" 'BEGIN{printf "%.3f", (a + d * 10) / n}')" ms
  json_value "$peer" "churn.host_cpu_per_cycle$sfx" "$(awk -v h=$((h1 - h0)) -v n="$n" 'BEGIN{printf "%.3f", h * 10 / n}')" ms
}

# floor_record PEER K C CYCLES WALL_US HOST_TICKS: a rate-only record (mean cycle = C / rate)
floor_record() {
  local peer=$1 sfx="@k$2c$3" c=$3 n=$4 wall=$5 h=$6
  awk -v peer="$peer" -v metric="churn.cycle$sfx" -v c="$c" -v n="$n" -v wall="$wall" -v host="$(hostname)" \
    -v ts="$(date -u +%FT%TZ)" -v out="$RESULTS_FILE" 'BEGIN {
      total = wall / 1e6; mean = c * total * 1000 / n
      printf "[%s] %-28s n=%-4d mean=%8.3f ms  total=%7.3f s  rate=%8.2f /s\n", peer, metric, n, mean, total, n / total
      printf "{\"peer\":\"%s\",\"metric\":\"%s\",\"n\":%d,\"mean_ms\":%.3f,\"total_s\":%.6f,\"per_s\":%.2f,\"host\":\"%s\",\"ts\":\"%s\"}\n", \
        peer, metric, n, mean, total, n / total, host, ts >> out }'
  json_value "$peer" "churn.host_cpu_per_cycle$sfx" "$(awk -v h="$h" -v n="$n" 'BEGIN{printf "%.3f", h * 10 / n}')" ms
}

# churn_table FILE: one markdown row per peer and (K, C)
churn_table() {
  echo
  echo "| K | C | peer | join p50 / p99 ms | leave p50 / p99 ms | attach p50 ms | detach p50 ms | cycles/s | CPU ms/cycle (own / host) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  jq -rs '
    map(select(.metric | startswith("churn.")) | . + ((.metric | capture("^churn\\.(?<op>[a-z_]+)@k(?<k>[0-9]+)c(?<c>[0-9]+)$")) // {}))
    | map(select(.op != null)) | group_by([(.k | tonumber), (.c | tonumber), .peer])[]
    | (map({key: .op, value: .}) | from_entries) as $m
    | def p($o): if $m[$o].median_ms then "\($m[$o].median_ms) / \($m[$o].p99_ms)" else "–" end;
      def v($o): if $m[$o] then ($m[$o].value // "–" | tostring) else "–" end;
      "| \(.[0].k) | \(.[0].c) | \(.[0].peer) | \(p("join")) | \(p("leave")) | \($m.attach.median_ms // "–") | \($m.detach.median_ms // "–") | \($m.cycle.per_s) | \(v("cpu_per_cycle")) / \(v("host_cpu_per_cycle")) |"' "$1"
}
