# Namespace helpers shared by the benchmark scripts (sourced, not run). Every namespace they make
# is named "$PFX<name>", so a script removes exactly its own with del_netns.
del_netns() { for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX" || true); do ip netns del "$ns"; done; }
nsx() { local n=$1; shift; ip netns exec "$PFX$n" "$@"; }
mkns() { for n; do ip netns add "$PFX$n"; nsx "$n" ip link set lo up; done; }
vethpair() {  # NS1 IF1 NS2 IF2 MTU
  ip link add "$2" netns "$PFX$1" mtu "$5" type veth peer name "$4" netns "$PFX$3" mtu "$5"
  nsx "$1" ip link set "$2" up; nsx "$3" ip link set "$4" up
}

# The reference overlay of dataplane-limit.sh's vxlan case on hosts rh1/rh2 (underlay ul0 already
# addressed 10.241.0.1/.2): per host a VXLAN (VNI 100) on a bridge, a "container" rxN on it at
# 10.242.0.N with MTU $OMTU; checks a full-size DF ping and sets REF_MTU.
ref_vxlan_hosts() {
  local i j
  for i in 1 2; do
    j=$((3 - i))
    nsx rh$i ip link add vxlan100 mtu "$OMTU" type vxlan id 100 local 10.241.0.$i remote 10.241.0.$j dstport 4789 dev ul0
    nsx rh$i ip link add br0 mtu "$OMTU" type bridge
    nsx rh$i ip link set vxlan100 master br0
    vethpair rx$i eth0 rh$i vc "$OMTU"
    nsx rh$i ip link set vc master br0
    nsx rh$i ip link set vxlan100 up; nsx rh$i ip link set br0 up
    nsx rx$i ip addr add 10.242.0.$i/24 dev eth0
  done
  nsx rx1 ping -c 2 -W 2 10.242.0.2 >/dev/null
  nsx rx1 ping -c 1 -W 2 -M do -s $((OMTU - 28)) 10.242.0.2 >/dev/null || { echo "reference: full-size DF ping failed" >&2; exit 1; }
  REF_MTU=$(nsx rx1 cat /sys/class/net/eth0/mtu)
}

# iperf PEER SERVER_NETNS_PATH CLIENT_NETNS_PATH SERVER_IP ROUND -> one Gbit/s figure, printed and
# appended to $RESULTS (uses $WORK, $DUR, $P; the server's PID goes to PIDS)
iperf() {
  local peer=$1 sns=$2 cns=$3 sip=$4 round=$5
  nsenter --net="$sns" iperf3 -s -1 -B "$sip" > "$WORK/srv.$peer" 2>&1 &
  local spid=$!; PIDS+=("$spid")
  for _ in $(seq 50); do nsenter --net="$sns" ss -ltn | grep -q ":5201 " && break; sleep 0.1; done
  nsenter --net="$cns" iperf3 -c "$sip" -t "$DUR" -P "$P" -J > "$WORK/cli.$peer" 2>&1 || { echo "iperf3 $peer failed: $(jq -r '.error // empty' "$WORK/cli.$peer")" >&2; exit 1; }
  wait "$spid" 2>/dev/null || true
  local gbps retr
  gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$WORK/cli.$peer")
  retr=$(jq -r '.end.sum_sent.retransmits // 0' "$WORK/cli.$peer")
  printf '[%s] round %s: %.2f Gbit/s (retransmits %s)\n' "$peer" "$round" "$gbps" "$retr"
  printf '{"peer":"%s","metric":"tcp_gbps_vxlan","round":%s,"value":%.3f,"retransmits":%s,"streams":%s,"duration_s":%s}\n' \
    "$peer" "$round" "$gbps" "$retr" "$P" "$DUR" >> "$RESULTS"
}
