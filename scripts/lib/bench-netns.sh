# Namespace helpers shared by the benchmark scripts (sourced, not run). Every namespace they make
# is named "$PFX<name>", so a script removes exactly its own with del_netns.
del_netns() { for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX" || true); do ip netns del "$ns"; done; }
nsx() { local n=$1; shift; ip netns exec "$PFX$n" "$@"; }
mkns() { for n; do ip netns add "$PFX$n"; nsx "$n" ip link set lo up; done; }
vethpair() {  # NS1 IF1 NS2 IF2 MTU
  ip link add "$2" netns "$PFX$1" mtu "$5" type veth peer name "$4" netns "$PFX$3" mtu "$5"
  nsx "$1" ip link set "$2" up; nsx "$3" ip link set "$4" up
}
