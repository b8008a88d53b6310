#!/usr/bin/env bash
# Dataplane benchmark (issue 4): attach + detach of N endpoints with cnm's bridge dataplane
# (dev.cnm.bench.dataplane.AttachBench) and with the CNI reference plugins (bridge + host-local
# from Debian's containernetworking-plugins), in one run, on this machine.
#
# Both peers work in the same way: a "host" network namespace made by this script holds the
# bridge, every endpoint gets a namespace of its own, operations run one after another.
# The CNI side is driven the way a runtime (libcni) drives it: one exec of the plugin per
# ADD/DEL with the network config on stdin; each op is timed with bash's $EPOCHREALTIME.
#
# Usage: sudo scripts/bench-dataplane.sh [N]        (default 200)
# Env:   CNI_PATH (default /usr/lib/cni)  RESULTS_FILE (JSONL, default bench/target/dataplane.jsonl)
#        CNI_MASQ=1 also runs the CNI bridge with ipMasq (iptables rules per endpoint)
# Needs: root, iproute2, jq, iputils-ping, containernetworking-plugins (iptables for CNI_MASQ=1).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
CNI_PATH=${CNI_PATH:-/usr/lib/cni}
RESULTS=${RESULTS_FILE:-$PWD/bench/target/dataplane.jsonl}
HOSTNS=cnmbench-host
CPFX=cnibn-
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, bridges)" >&2; exit 2; }
for t in jq ip ping nsenter; do command -v $t >/dev/null || { echo "missing $t (apt-get install jq iproute2 iputils-ping util-linux)" >&2; exit 2; }; done
for p in bridge host-local; do [ -x "$CNI_PATH/$p" ] || { echo "no $CNI_PATH/$p (apt-get install containernetworking-plugins)" >&2; exit 2; }; done
WORK=$(mktemp -d /tmp/cnmbench-dp.XXXXXX)

cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^$CPFX" || true); do ip netns del "$ns"; done
  ip netns del "$HOSTNS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup_leftovers() { for ns in $(ip netns list | awk '{print $1}' | grep "^$CPFX" || true); do ip netns del "$ns"; done; ip netns del "$HOSTNS" 2>/dev/null || true; }
cleanup_leftovers
mkdir -p "$(dirname "$RESULTS")" "$WORK"
: > "$RESULTS"

echo "# bench-dataplane: N=$N, kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?')"

# ---------- build and run cnm's benchmark ----------
source scripts/lib/bench-build.sh
bench_build bench bench/target/bench.classpath
# snapshot cnm's own jars: other builds may rewrite target/ and ~/.m2 while the benchmark runs
mkdir -p "$WORK/cp"
cp bench/target/cnm-bench-*.jar "$WORK/cp/"
CP="$(ls "$WORK"/cp/cnm-bench-*.jar)"
IFS=: read -ra ENTRIES < bench/target/bench.classpath || true  # (no trailing newline)
for e in "${ENTRIES[@]}"; do
  case "$e" in
    */dev/cnm/*) cp "$e" "$WORK/cp/" && CP="$CP:$WORK/cp/$(basename "$e")" ;;
    *) CP="$CP:$e" ;;
  esac
done

ip netns add "$HOSTNS"
ip -n "$HOSTNS" link set lo up
java -Xmx512m --enable-native-access=ALL-UNNAMED -cp "$CP" dev.cnm.bench.dataplane.AttachBench \
  --n "$N" --host-netns "/var/run/netns/$HOSTNS" --results "$RESULTS"
ip netns del "$HOSTNS"

# ---------- the CNI reference plugins, same shape, inside a fresh host namespace ----------
# (the whole driver runs inside the host namespace, so each plugin exec inherits it)
cni_run() {  # cni_run PEER_NAME IPMASQ
  ip netns add "$HOSTNS"
  ip -n "$HOSTNS" link set lo up
  ip netns exec "$HOSTNS" env N="$N" CNI_PATH="$CNI_PATH" WORK="$WORK/$1" PEER="$1" MASQ="$2" \
    RESULTS="$RESULTS" CPFX="$CPFX" bash "$PWD/scripts/bench-dataplane-cni.sh"
  ip netns del "$HOSTNS"
}
cni_run cni-bridge-nomasq false
if [ "${CNI_MASQ:-0}" = 1 ]; then cni_run cni-bridge true; fi

# ---------- side by side ----------
echo
echo "| peer | attach p50 ms | attach p99 ms | attach /s | detach p50 ms | detach p99 ms | detach /s |"
echo "|---|---|---|---|---|---|---|"
jq -rs '
  group_by(.peer)[] as $g
  | ($g | map(select(.metric=="add"))[0]) as $a
  | ($g | map(select(.metric=="del"))[0]) as $d
  | select($a != null and $d != null)
  | "| \($a.peer) | \($a.median_ms) | \($a.p99_ms) | \($a.per_s) | \($d.median_ms) | \($d.p99_ms) | \($d.per_s) |"' "$RESULTS"
jq -rs '
  . as $all
  | ($all | map(select(.peer=="cnm" and .metric=="add"))[0].per_s) as $ca
  | ($all | map(select(.peer=="cnm" and .metric=="del"))[0].per_s) as $cd
  | ($all | map(select(.peer=="cni-bridge-nomasq" and .metric=="add"))[0].per_s) as $pa
  | ($all | map(select(.peer=="cni-bridge-nomasq" and .metric=="del"))[0].per_s) as $pd
  | "\ncnm / cni-bridge-nomasq rate: attach \(($ca / $pa * 10 | floor) / 10)x, detach \(($cd / $pd * 10 | floor) / 10)x"' "$RESULTS"
echo "(all phases: $RESULTS)"
