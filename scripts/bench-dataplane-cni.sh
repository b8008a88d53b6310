#!/usr/bin/env bash
# The CNI half of scripts/bench-dataplane.sh (run by it inside the benchmark's host namespace):
# N namespaces, then CNI ADD for each (bridge + host-local IPAM, default route), a ping check,
# CNI DEL for each, namespace deletion. Each op is one timed exec, as a runtime would do it.
# Env (set by the caller): N CNI_PATH WORK PEER MASQ RESULTS CPFX
set -uo pipefail
mkdir -p "$WORK/ipam"
conf() {
  printf '{"cniVersion":"1.0.0","name":"cnmbench","type":"bridge","bridge":"cnibench0","isGateway":true,'
  printf '"ipMasq":%s,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.203.0.0/16"}]],' "$MASQ"
  printf '"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s/ipam"}}' "$WORK"
}
CONF=$(conf)
plugin() {  # plugin ADD|DEL i
  CNI_COMMAND=$1 CNI_CONTAINERID=cnibench$2 CNI_NETNS=/var/run/netns/$CPFX$2 CNI_IFNAME=eth0 \
    CNI_PATH=$CNI_PATH "$CNI_PATH/bridge" <<< "$CONF" > "$WORK/out.$1.$2" 2>&1
}
mkns() { ip netns add "$CPFX$1" && ip -n "$CPFX$1" link set lo up; }
rmns() { ip netns del "$CPFX$1"; }

phase() {  # phase METRIC cmd...   -> times "cmd... i" for i in 0..N-1, writes a lib.sh-style JSON line
  local metric=$1; shift
  local lat="$WORK/lat.$metric" t0 t1 a b fail=0
  : > "$lat"
  t0=${EPOCHREALTIME/./}
  for ((i = 0; i < N; i++)); do
    a=${EPOCHREALTIME/./}
    "$@" "$i" || fail=$((fail + 1))
    b=${EPOCHREALTIME/./}
    echo $((b - a)) >> "$lat"
  done
  t1=${EPOCHREALTIME/./}
  [ "$fail" = 0 ] || { echo "[$PEER] $metric: $fail failures, e.g.:" >&2; cat "$WORK"/out.* 2>/dev/null | head -3 >&2; }
  sort -n "$lat" | awk -v peer="$PEER" -v metric="$metric" -v wall=$((t1 - t0)) -v host="$(hostname)" \
      -v ts="$(date -u +%FT%TZ)" -v results="$RESULTS" '
    { v[NR] = $1 / 1000.0; s += $1 / 1000.0 }
    END {
      n = NR; r50 = int(n * 0.50 + 0.999999); r95 = int(n * 0.95 + 0.999999); r99 = int(n * 0.99 + 0.999999)
      total = wall / 1e6
      printf "[%s] %-28s n=%-4d median=%8.3f ms  p95=%8.3f ms  p99=%8.3f ms  mean=%8.3f  min=%8.3f  max=%8.3f  total=%7.3f s  rate=%8.2f /s\n", peer, metric, n, v[r50], v[r95], v[r99], s / n, v[1], v[n], total, n / total
      printf "{\"peer\":\"%s\",\"metric\":\"%s\",\"n\":%d,\"median_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"mean_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"total_s\":%.6f,\"per_s\":%.2f,\"host\":\"%s\",\"ts\":\"%s\"}\n", peer, metric, n, v[r50], v[r95], v[r99], s / n, v[1], v[n], total, n / total, host, ts >> results
    }'
}

echo "# CNI peer $PEER: ipMasq=$MASQ"
phase netns_create mkns
phase add plugin ADD
ip0=$(jq -r '.ips[0].address' "$WORK/out.ADD.0" | cut -d/ -f1)
ip1=$(jq -r '.ips[0].address' "$WORK/out.ADD.1" | cut -d/ -f1)
if ip netns exec "${CPFX}0" ping -c 2 -i 0.2 -W 2 "$ip1" > /dev/null 2>&1; then r=PASS; else r=FAIL; fi
echo "[$PEER] check ping ns0->ns1 ($ip0 -> $ip1) $r"
phase del plugin DEL
phase netns_delete rmns
