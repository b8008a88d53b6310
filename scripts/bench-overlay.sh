#!/usr/bin/env bash
# Overlay benchmark (issue 6), one run on this machine:
#  1. throughput: iperf3 (TCP) between sandboxes on two "hosts" over cnm's overlay
#     (dev.cnm.agent.overlay via dev.cnm.bench.overlay.OverlayThroughputBench setup) vs the
#     hand-built kernel VXLAN reference, built here exactly as ../shared/peers/dataplane-limit.sh's
#     vxlan case (bridge + vxlan in each host namespace, learning, one remote). Both over an
#     identical veth underlay of MTU $MTU; rounds alternate reference / cnm; the MTU in effect is printed.
#  2. data-half convergence: OverlayThroughputBench convergence (N endpoints; time from
#     setPeers() returning on host A until a ping from the new sandbox on host B gets a reply).
#
# Usage: sudo scripts/bench-overlay.sh
# Env:   DURATION=10 (s per iperf3 run)  ROUNDS=3  STREAMS=1  N=100  MTU=1500
#        RESULTS_FILE (JSONL, default bench/target/overlay.jsonl)
# Needs: root, iproute2, iperf3, jq, util-linux (nsenter), JDK 17+ (the Maven wrapper fetches what the build needs; scripts/lib/host-tools lists the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DURATION:-10}; ROUNDS=${ROUNDS:-3}; P=${STREAMS:-1}; N=${N:-100}; MTU=${MTU:-1500}; OMTU=$((MTU - 50))
RESULTS=${RESULTS_FILE:-$PWD/bench/target/overlay.jsonl}
PFX=cnmbo-
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, vxlan)" >&2; exit 2; }
for t in iperf3 jq ip nsenter java; do
  command -v $t >/dev/null || { echo "missing $t (apt-get install iperf3 jq iproute2 util-linux openjdk-17-jdk-headless maven)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/cnmbench-ov.XXXXXX)
PIDS=()

. scripts/lib/bench-netns.sh   # del_netns, nsx, mkns, vethpair, ref_vxlan_hosts, iperf
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  # namespaces the Java side made under its state dir (bind-mounted nsfs files)
  if [ -d "$WORK/state" ]; then
    find "$WORK/state" -path '*/netns/*' -type f | while read -r f; do umount -l "$f" 2>/dev/null || true; rm -f "$f"; done
  fi
  del_netns
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
del_netns
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"



echo "# bench-overlay: kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), iperf3 $(iperf3 --version | head -1 | awk '{print $2}'), ${DUR}s x ${ROUNDS} rounds, ${P} stream(s), underlay MTU $MTU"

# ---------- build ----------
source scripts/lib/bench-build.sh
bench_build bench bench/target/bench.classpath
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
JAVA=(java -Xmx512m --enable-native-access=ALL-UNNAMED -cp "$CP" dev.cnm.bench.overlay.OverlayThroughputBench)

# ---------- reference: dataplane-limit.sh's vxlan case ----------
mkns rh1 rh2 rx1 rx2
vethpair rh1 ul0 rh2 ul0 "$MTU"
nsx rh1 ip addr add 10.241.0.1/24 dev ul0; nsx rh2 ip addr add 10.241.0.2/24 dev ul0
ref_vxlan_hosts

# ---------- cnm: two hosts on the same kind of underlay; the overlay made by the agent's library ----------
mkns ch1 ch2 cx1 cx2
vethpair ch1 ul0 ch2 ul0 "$MTU"
nsx ch1 ip addr add 10.244.0.1/24 dev ul0; nsx ch2 ip addr add 10.244.0.2/24 dev ul0
"${JAVA[@]}" setup --host-a /var/run/netns/${PFX}ch1 --host-b /var/run/netns/${PFX}ch2 --local-a 10.244.0.1 \
  --local-b 10.244.0.2 --sandbox-a /var/run/netns/${PFX}cx1 --sandbox-b /var/run/netns/${PFX}cx2 \
  --state-dir "$WORK/state" --results "$RESULTS"
CNM_MTU=$(nsx cx1 cat /sys/class/net/eth0/mtu)
nsx cx1 ping -c 2 -W 2 10.242.1.2 >/dev/null
nsx cx1 ping -c 1 -W 2 -M do -s $((CNM_MTU - 28)) 10.242.1.2 >/dev/null || { echo "cnm: full-size DF ping failed" >&2; exit 1; }
echo "MTU in effect: reference $REF_MTU, cnm $CNM_MTU (underlay $MTU)"

for r in $(seq "$ROUNDS"); do
  iperf kernel-vxlan /run/netns/${PFX}rx2 /run/netns/${PFX}rx1 10.242.0.2 "$r"
  iperf cnm-overlay /run/netns/${PFX}cx2 /run/netns/${PFX}cx1 10.242.1.2 "$r"
done
del_netns_ref() { for n in rh1 rh2 rx1 rx2; do ip netns del "$PFX$n"; done; }
del_netns_ref

# ---------- data-half convergence ----------
"${JAVA[@]}" convergence --host-a /var/run/netns/${PFX}ch1 --host-b /var/run/netns/${PFX}ch2 --local-a 10.244.0.1 \
  --local-b 10.244.0.2 --n "$N" --state-dir "$WORK/state" --results "$RESULTS"

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
