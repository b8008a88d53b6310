#!/usr/bin/env bash
# Overlay benchmark over the whole stack (issue 6), one run on this machine. Two "hosts", each a
# network namespace on a test bridge, each running its own `cnm serve agent` process; store,
# ipam and controller processes on a control namespace that holds the bridge (the underlay,
# veths of MTU $MTU). Everything goes through the controller's API
# (dev.cnm.bench.overlay.OverlayE2EBench):
#  1. throughput: iperf3 (TCP) between a sandbox on host A and one on host B over a cnm overlay
#     network vs the hand-built kernel VXLAN reference (../shared/peers/dataplane-limit.sh's vxlan
#     case: bridge + vxlan in each host namespace, one remote) on an identical underlay (each host's
#     veth a port of a bridge in a third namespace, as cnm's hosts are); rounds
#     alternate reference / cnm; the MTU in effect on both is printed.
#  2. convergence: N times, an endpoint + sandbox on host A and a Join; the time from Join
#     returning until a sandbox on host B gets an ICMP echo reply from the new sandbox (p50/p99);
#     then N more Joins on host A, each timed until the embedded resolver of that sandbox on host B
#     answers the new sandbox's name (issue 17's goal: p99 <= 100 ms).
#
# Usage: sudo scripts/bench-overlay-e2e.sh
# Env:   DURATION=10 (s per iperf3 run)  ROUNDS=3  STREAMS=1  N=100  MTU=1500  BACKEND=embedded|etcd
#        RESULTS_FILE (JSONL, default bench/target/overlay-e2e.jsonl)
# Needs: root, iproute2, iperf3, jq, util-linux (nsenter), JDK 17+ (the Maven wrapper fetches what the build needs; scripts/lib/host-tools lists the rest);
#        etcd-server for BACKEND=etcd.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DURATION:-10}; ROUNDS=${ROUNDS:-3}; P=${STREAMS:-1}; N=${N:-100}; MTU=${MTU:-1500}; OMTU=$((MTU - 50))
BACKEND=${BACKEND:-embedded}
RESULTS=${RESULTS_FILE:-$PWD/bench/target/overlay-e2e.jsonl}
PFX=cnmbe-
CTL=10.245.0.254
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, vxlan)" >&2; exit 2; }
for t in iperf3 jq ip nsenter java; do
  command -v $t >/dev/null || { echo "missing $t (apt-get install iperf3 jq iproute2 util-linux openjdk-17-jdk-headless maven)" >&2; exit 2; }
done
[ "$BACKEND" = embedded ] || command -v etcd >/dev/null || { echo "missing etcd (apt-get install etcd-server)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/cnmbench-ove2e.XXXXXX)
PIDS=()

. scripts/lib/bench-netns.sh   # del_netns, nsx, mkns, vethpair, ref_vxlan_hosts, iperf
cleanup() {
  set +e
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  # sandbox and overlay namespaces the agents made under their state dirs (bind-mounted nsfs files)
  for m in $(awk '{print $2}' /proc/self/mounts | grep "^$WORK" | sort -r); do umount -l "$m"; done
  del_netns
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
del_netns
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"

# a cnm process in a namespace: nsenter --net only, so the sandboxes' bind mounts stay visible here
cnm_in() { local ns=$1 log=$2; shift 2
  nsenter --net=/run/netns/$PFX$ns java --enable-native-access=ALL-UNNAMED -Xmx256m -jar "$WORK/cnm.jar" "$@" \
    > "$WORK/$log.log" 2>&1 &
  PIDS+=($!)
}
mtu_of() { nsenter --net="$1" ip -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }


echo "# bench-overlay-e2e: kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), iperf3 $(iperf3 --version | head -1 | awk '{print $2}'), ${DUR}s x ${ROUNDS} rounds, ${P} stream(s), underlay MTU $MTU, store $BACKEND, N=$N"

# ---------- build ----------
source scripts/lib/bench-build.sh
bench_build cli,bench bench/target/bench.classpath
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
cp cli/target/cnm.jar "$WORK/cnm.jar"   # a rebuild during the run must not swap the jar under the JVMs

# ---------- reference: dataplane-limit.sh's vxlan case ----------
# the same underlay shape as cnm's below: each host's ul0 is a port of a bridge in a third namespace
mkns rsw rh1 rh2 rx1 rx2
nsx rsw ip link add br0 mtu "$MTU" type bridge
nsx rsw ip link set br0 up
for i in 1 2; do
  vethpair rh$i ul0 rsw h$i "$MTU"
  nsx rsw ip link set h$i master br0
done
nsx rh1 ip addr add 10.241.0.1/24 dev ul0; nsx rh2 ip addr add 10.241.0.2/24 dev ul0
ref_vxlan_hosts

# ---------- cnm: control host with the bridge, two hosts with their agents ----------
mkns ctl h1 h2
nsx ctl ip link add br0 mtu "$MTU" type bridge
nsx ctl ip addr add $CTL/24 dev br0
nsx ctl ip link set br0 up
for i in 1 2; do
  vethpair h$i ul0 ctl h$i "$MTU"
  nsx ctl ip link set h$i master br0
  nsx h$i ip addr add 10.245.0.$i/24 dev ul0
done
if [ "$BACKEND" = etcd ]; then
  nsenter --net=/run/netns/${PFX}ctl etcd --name cnmbe --data-dir "$WORK/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster cnmbe=http://127.0.0.1:2380 --log-level=warn > "$WORK/etcd.log" 2>&1 &
  PIDS+=($!)
  cnm_in ctl store serve store --backend etcd --etcd-endpoints http://127.0.0.1:2379 --listen 127.0.0.1:7370 --insecure-tcp
else
  cnm_in ctl store serve store --backend embedded --data-dir "$WORK/store" --listen 127.0.0.1:7370 --insecure-tcp
fi
cnm_in ctl ipam serve ipam --store 127.0.0.1:7370 --listen 127.0.0.1:7371 --insecure-tcp
cnm_in ctl controller serve controller --store 127.0.0.1:7370 --ipam 127.0.0.1:7371 --listen $CTL:7372 --insecure-tcp
for i in 1 2; do
  cnm_in h$i agent-h$i serve agent --controller $CTL:7372 --node cnmbe-h$i --advertise-address 10.245.0.$i \
    --state-dir "$WORK/h$i" --nft-table cnmbe_h$i --no-userland-proxy
done
BENCH=(nsenter --net=/run/netns/${PFX}ctl java -Xmx256m --enable-native-access=ALL-UNNAMED -cp "$CP"
  dev.cnm.bench.overlay.OverlayE2EBench)
NODES=(--controller $CTL:7372 --node-a cnmbe-h1 --node-b cnmbe-h2)
"${BENCH[@]}" setup "${NODES[@]}" > "$WORK/setup.env" 2> "$WORK/setup.err" \
  || { tail -n 30 "$WORK/setup.err" "$WORK"/*.log >&2; exit 1; }
KEY_A=$(sed -n 's/^KEY_A=//p' "$WORK/setup.env"); KEY_B=$(sed -n 's/^KEY_B=//p' "$WORK/setup.env")
IP_A=$(sed -n 's/^IP_A=//p' "$WORK/setup.env"); IP_B=$(sed -n 's/^IP_B=//p' "$WORK/setup.env")
echo "cnm sandboxes: $IP_A on cnmbe-h1 ($KEY_A), $IP_B on cnmbe-h2 ($KEY_B)"
nsenter --net="$KEY_A" ping -c 2 -W 2 "$IP_B" >/dev/null
CNM_MTU=$(mtu_of "$KEY_A")
nsenter --net="$KEY_A" ping -c 1 -W 2 -M do -s $((CNM_MTU - 28)) "$IP_B" >/dev/null || { echo "cnm: full-size DF ping failed" >&2; exit 1; }
echo "MTU in effect: reference $REF_MTU, cnm $CNM_MTU (underlay $MTU)"
printf '{"peer":"cnm-overlay","metric":"overlay_mtu","value":%s}\n{"peer":"kernel-vxlan","metric":"overlay_mtu","value":%s}\n' \
  "$CNM_MTU" "$REF_MTU" >> "$RESULTS"

for r in $(seq "$ROUNDS"); do
  iperf kernel-vxlan /run/netns/${PFX}rx2 /run/netns/${PFX}rx1 10.242.0.2 "$r"
  iperf cnm-overlay "$KEY_B" "$KEY_A" "$IP_B" "$r"
done
for n in rsw rh1 rh2 rx1 rx2; do ip netns del "$PFX$n"; done

# ---------- convergence over the whole stack ----------
"${BENCH[@]}" convergence "${NODES[@]}" --n "$N" --results "$RESULTS" 2> >(grep -v WARN >&2)

# ---------- table ----------
echo
echo "| peer | MTU in effect | TCP Gbit/s (median of $ROUNDS x ${DUR}s) | min | max |"
echo "|---|---|---|---|---|"
for peer in kernel-vxlan cnm-overlay; do
  mtu=$([ "$peer" = cnm-overlay ] && echo "$CNM_MTU" || echo "$REF_MTU")
  jq -rs --arg p "$peer" --arg m "$mtu" '
    map(select(.peer==$p and .metric=="tcp_gbps_vxlan") | .value) | sort as $v
    | "| \($p) | \($m) | \($v[(($v|length)-1)/2|floor]*100|round/100) | \($v[0]*100|round/100) | \($v[-1]*100|round/100) |"' "$RESULTS"
done
jq -rs '
  def med(p): map(select(.peer==p and .metric=="tcp_gbps_vxlan") | .value) | sort | .[((length-1)/2|floor)];
  "\ncnm / kernel reference (median): \((med("cnm-overlay") / med("kernel-vxlan") * 1000 | round) / 10)%"' "$RESULTS"
echo "(all figures: $RESULTS)"
