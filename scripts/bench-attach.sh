#!/usr/bin/env bash
# Controller end-to-end benchmark (issue 5): attach (CreateEndpoint + CreateSandbox + Join, each
# Join returning once the node agent has programmed the kernel) and detach (Leave +
# DeleteEndpoint + DeleteSandbox) of N containers, one after another, through `cnm up`
# (dev.cnm.bench.controller.AttachE2EBench over the API's unix socket) — and in the same run the
# two peers: the CNI reference plugins (../shared/peers/cni-bench.sh: bridge + host-local, one
# exec per ADD/DEL) and Docker's libnetwork (../shared/peers/docker-bench.sh: network
# connect/disconnect of running containers through the Engine API).
#
# Every peer runs inside a network namespace of its own (cnmbench-*), so the machine's own
# namespace is untouched. dockerd comes from Debian's docker.io, installed here if missing.
#
# Usage: sudo scripts/bench-attach.sh [N]     (default 500)
# Env:   RESULTS_FILE (JSONL, default bench/target/attach.jsonl)  DOCKER=0 skips the Docker peer
#        WARMUP (uncounted cnm attaches first, in rounds of 250, default 3000: until `cnm up`'s JIT
#        compilation has settled; after 1500 its one C2 thread still had a backlog, hot paths still
#        ran as profiled tier-3 code and C2 took 14 % of a core in the measured pass, 5 % after 3000),
#        NCTR (Docker containers, default 30),
#        CONCURRENCY (clients of a second cnm pass and workers of a second CNI pass, default 8;
#        1 skips both; Docker's peer script has no concurrent mode). The CNI peer runs without portmap and ipMasq (its
#        fastest configuration; cnm publishes no ports here either).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
RESULTS=${RESULTS_FILE:-$PWD/bench/target/attach.jsonl}
PEERS=${PEERS_DIR:-$PWD/../shared/peers}
[ -d "$PEERS" ] || PEERS=/work/shared/peers
NS_CNM=cnmbench-up
NS_CNI=cnmbench-cni
NS_DOCKER=cnmbench-docker
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, bridges)" >&2; exit 2; }
for t in jq ip nsenter; do command -v $t >/dev/null || { echo "missing $t (apt-get install jq iproute2 util-linux)" >&2; exit 2; }; done
WORK=$(mktemp -d /tmp/cnmbench-attach.XXXXXX)
UP_PID=

cleanup() {
  set +e
  [ -n "$UP_PID" ] && kill -9 "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
  for m in $(awk '{print $2}' /proc/self/mounts | grep "^$WORK" | sort -r); do umount -l "$m"; done
  for ns in $NS_CNM $NS_CNI $NS_DOCKER; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
for ns in $NS_CNM $NS_CNI $NS_DOCKER; do ip netns del "$ns" 2>/dev/null || true; done
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"
echo "# bench-attach: N=$N, kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"

# ---------- cnm up ----------
source scripts/lib/bench-build.sh
bench_build cli,bench bench/target/bench.classpath
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
cp cli/target/cnm.jar "$WORK/cnm.jar"   # a rebuild during the run must not swap the jar under the JVM
ip netns add $NS_CNM
ip -n $NS_CNM link set lo up
nsenter --net=/run/netns/$NS_CNM java ${UP_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar "$WORK/cnm.jar" up \
  --state-dir "$WORK/state" --socket "$WORK/cnm.sock" --node bench --nft-table cnmbench \
  --no-userland-proxy > "$WORK/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 150); do [ -S "$WORK/cnm.sock" ] && break; sleep 0.2; done
sleep 2
# one client JVM for both passes, after the one warm-up: N containers one by one, then (unless
# CONCURRENCY=1) the same number with CONCURRENCY clients side by side (metrics attach@C, detach@C)
PASSES=1
[ "${CONCURRENCY:-8}" -gt 1 ] && PASSES="1,${CONCURRENCY:-8}"
java -Xmx256m -cp "$CP" dev.cnm.bench.controller.AttachE2EBench --target "unix:$WORK/cnm.sock" --n "$N" --warmup "${WARMUP:-3000}" \
  --concurrency "$PASSES" --results "$RESULTS" 2> >(grep --line-buffered -v WARN >&2)
kill -9 "$UP_PID"; wait "$UP_PID" 2>/dev/null || true; UP_PID=

# ---------- CNI reference plugins (bridge + host-local, + portmap when iptables exists) ----------
if [ "${CNI:-1}" = 1 ]; then
ip netns add $NS_CNI
ip -n $NS_CNI link set lo up
ip netns exec $NS_CNI env RESULTS_FILE="$RESULTS" PORTMAP=0 IPMASQ=0 bash "$PEERS/cni-bench.sh" "$N" || echo "cni peer failed" >&2
fi
if [ "${CNI:-1}" = 1 ] && [ "${CONCURRENCY:-8}" -gt 1 ]; then
  ip netns exec $NS_CNI env RESULTS_FILE="$RESULTS" PORTMAP=0 IPMASQ=0 CONCURRENCY="${CONCURRENCY:-8}" \
    bash "$PEERS/cni-bench.sh" "$N" || echo "cni peer (concurrent) failed" >&2
fi

# ---------- Docker's libnetwork (dockerd 20.10 from Debian docker.io) ----------
if [ "${DOCKER:-1}" = 1 ]; then
  if ! command -v dockerd >/dev/null; then
    apt-get install -y --no-install-recommends docker.io containerd runc tini busybox-static curl >/dev/null
  fi
  ip netns add $NS_DOCKER
  ip -n $NS_DOCKER link set lo up
  # nsenter --net only: dockerd needs the host's cgroup mounts, which `ip netns exec` hides
  nsenter --net=/run/netns/$NS_DOCKER env RESULTS_FILE="$RESULTS" NCTR="${NCTR:-30}" NNET=10 SWARM=0 \
    SOCK=/tmp/cnmbench-docker.sock bash "$PEERS/docker-bench.sh" || echo "docker peer failed" >&2
fi

# ---------- side by side ----------
echo
echo "| peer | metric | n | p50 ms | p99 ms | rate /s |"
echo "|---|---|---|---|---|---|"
jq -r 'select(.median_ms != null)
  | select(.metric | test("^(attach|detach)(@[0-9]+)?$|^(add|del)|net_(connect|disconnect)_api|net_create_api"))
  | "| \(.peer) | \(.metric) | \(.n) | \(.median_ms) | \(.p99_ms) | \(.per_s) |"' "$RESULTS"
echo "(all records: $RESULTS)"
