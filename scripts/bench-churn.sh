#!/usr/bin/env bash
# Churn benchmark (issue 21): containers come and go all the time while others stay, as on CI
# runners and batch hosts. K containers are attached and kept alive; then C clients each run
# attach -> detach cycles for a fixed time. Beside the phase benchmark (scripts/bench-attach.sh),
# same build helper, same JSONL records.
#
#   cnm      `cnm up` with its defaults, driven through its gRPC API (dev.cnm.bench.controller.
#            ChurnE2EBench): attach = CreateEndpoint + CreateSandbox + Join, detach = Leave +
#            DeleteEndpoint + DeleteSandbox.
#   CNI      the reference plugins (bridge + host-local, /usr/lib/cni): attach = `ip netns add` +
#            ADD, detach = DEL + `ip netns del` (join = ADD, leave = DEL), one exec each.
#   Docker   Debian's dockerd with a data root, exec root and socket of this script's own, an image
#            imported from a busybox-static root (no registry): every client owns one running
#            container and connects it to / disconnects it from a network through the Engine API
#            (attach = join = connect, detach = leave = disconnect), over one kept-alive connection.
#   floor    the kernel alone, no daemon: one `ip -batch` per client of cycles `netns add`, veth with
#            its peer born in that namespace and its host end on a bridge, up; then either
#            `link del` + `netns del` (floor-linkdel) or only `netns del` (floor-nsdel); a pass
#            ends when the kernel has removed every veth of it. Only a rate is measured (a batch
#            has no per-command clock): cycle ms = clients / rate.
#
# Per (K, C) pass: p50/p99 of join, leave, attach, detach (records churn.<op>@k<K>c<C>); cycles/s
# (churn.cycle's per_s); CPU per cycle (churn.cpu_per_cycle: user + system time of the peer's own
# processes — cnm up with its children; the plugins and `ip`; dockerd + containerd — per cycle;
# churn.host_cpu_per_cycle: all CPUs' busy time per cycle, kernel threads included, and whatever
# else the machine runs). Every peer runs in a network namespace of its own (cnmbench-churn-*);
# every namespace, link and data root made here is removed on exit.
#
# Usage: sudo scripts/bench-churn.sh            (K = 0,100,1000; C = 1,8; 20 s a pass)
#        sudo QUICK=1 scripts/bench-churn.sh    (CI smoke: K = 0,10; C = 1,2; 2 s a pass)
# Env:   ALIVE=0,100,1000 CLIENTS=1,8 DURATION=20 (s a pass) WARMUP=2000 (uncounted cnm cycles)
#        RESULTS_FILE (default bench/target/churn.jsonl)  PEERS=cnm,cni,docker,floor (which run)
#        CNM_JAR (default cli/target/cnm.jar: another build's, e.g. to compare before/after)
#        DOCKER_KMAX=100 (Docker passes with more alive containers are skipped: each is a runc
#        shim and a container start of ~0.5 s)  SKIP_BUILD=1 (reuse the jars built before)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${QUICK:-0}" = 1 ]; then
  ALIVE=${ALIVE:-0,10}; CLIENTS=${CLIENTS:-1,2}; DURATION=${DURATION:-2}; WARMUP=${WARMUP:-50}
fi
ALIVE=${ALIVE:-0,100,1000}
CLIENTS=${CLIENTS:-1,8}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-2000}
PEERS=${PEERS:-cnm,cni,docker,floor}
DOCKER_KMAX=${DOCKER_KMAX:-100}
RESULTS=${RESULTS_FILE:-$PWD/bench/target/churn.jsonl}
CNI_PATH=${CNI_PATH:-/usr/lib/cni}
PFX=cnmbench-churn-
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, bridges)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/cnmbench-churn.XXXXXX)
UP_PID=
DOCKERD_PID=
export RESULTS_FILE=$RESULTS
# shellcheck source=lib/churn-stats.sh
source scripts/lib/churn-stats.sh
# shellcheck source=lib/bench-docker.sh
source scripts/lib/bench-docker.sh

runs() { [[ ",$PEERS," == *",$1,"* ]]; }
# every namespace of ours: the peers' own (cnmbench-churn-<peer>) and the CNI/floor containers'
del_our_netns() { for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX" || true); do ip netns del "$ns"; done; }
cleanup() {
  set +e
  [ -n "$UP_PID" ] && kill -9 "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
  docker_stop
  for m in $(awk '{print $2}' /proc/self/mounts | grep "^$WORK" | sort -r); do umount -l "$m"; done
  del_our_netns
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
del_our_netns
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"
echo "# bench-churn: K=$ALIVE C=$CLIENTS ${DURATION}s a pass, kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"
IFS=, read -r -a KS <<< "$ALIVE"
IFS=, read -r -a CS <<< "$CLIENTS"

# ---------- cnm up ----------
if runs cnm; then
  source scripts/lib/bench-build.sh
  bench_build cli,bench bench/target/bench.classpath
  CP="bench/target/classes:$(cat bench/target/bench.classpath)"
  # a rebuild during the run must not swap the jar under the JVM; CNM_JAR runs another build's jar
  cp "${CNM_JAR:-cli/target/cnm.jar}" "$WORK/cnm.jar"
  ip netns add ${PFX}cnm
  ip -n ${PFX}cnm link set lo up
  nsenter --net=/run/netns/${PFX}cnm java ${UP_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar "$WORK/cnm.jar" up \
    --state-dir "$WORK/state" --socket "$WORK/cnm.sock" --node bench --nft-table cnmbench \
    --no-userland-proxy > "$WORK/up.log" 2>&1 &
  UP_PID=$!
  for _ in $(seq 150); do [ -S "$WORK/cnm.sock" ] && break; sleep 0.2; done
  [ -S "$WORK/cnm.sock" ] || { echo "cnm up did not start:" >&2; tail -20 "$WORK/up.log" >&2; exit 1; }
  java -Xmx256m -cp "$CP" dev.cnm.bench.controller.ChurnE2EBench --target "unix:$WORK/cnm.sock" --pid "$UP_PID" \
    --alive "$ALIVE" --clients "$CLIENTS" --duration "$DURATION" --warmup "$WARMUP" --results "$RESULTS" \
    2> >(grep --line-buffered -v WARN >&2)
  kill -9 "$UP_PID"; wait "$UP_PID" 2>/dev/null || true; UP_PID=
  ip netns del ${PFX}cnm
fi

# ---------- CNI reference plugins (bridge + host-local) ----------
cni_conf() {
  printf '{"cniVersion":"1.0.0","name":"cnmchurn","type":"bridge","bridge":"cnmchurn0","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.206.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"%s"}}' "$WORK/cni-ipam"
}
# cni CMD NAME: the bridge plugin for container NAME (namespace $PFX NAME); the caller runs in the
# CNI peer's namespace (nsenter --net, which keeps the mount namespace, so `ip netns add` names
# stay visible to everyone)
cni() {
  cni_conf | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$PFX$2 CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH \
    "$CNI_PATH/bridge" > /dev/null
}
cni_attach() { ip netns add "$PFX$1" && ip -n "$PFX$1" link set lo up && cni ADD "$1"; }
cni_detach() { cni DEL "$1" && ip netns del "$PFX$1"; }
# cni_worker W DEADLINE_US: cycles until the deadline; one line "join attach leave detach" (ms) each
cni_worker() {
  local w=$1 end=$2 i=0 n t0 t1 t2 t3 t4
  while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
    n=c$w-$i; i=$((i + 1))
    t0=${EPOCHREALTIME/./}
    ip netns add "$PFX$n" && ip -n "$PFX$n" link set lo up
    t1=${EPOCHREALTIME/./}
    cni ADD "$n"
    t2=${EPOCHREALTIME/./}
    cni DEL "$n"
    t3=${EPOCHREALTIME/./}
    ip netns del "$PFX$n"
    t4=${EPOCHREALTIME/./}
    echo "$((t2 - t1)) $((t2 - t0)) $((t3 - t2)) $((t4 - t2))"
  done
  cpu_of_shell
}
if runs cni; then
  for p in bridge host-local; do
    [ -x "$CNI_PATH/$p" ] || { echo "no $CNI_PATH/$p: apt-get install containernetworking-plugins" >&2; exit 2; }
  done
  ip netns add ${PFX}cni
  ip -n ${PFX}cni link set lo up
  export PFX WORK CNI_PATH
  export -f cni_conf cni cni_attach cni_detach cni_worker cpu_of_shell
  IN_CNI="nsenter --net=/run/netns/${PFX}cni"
  kept=0
  for k in "${KS[@]}"; do
    $IN_CNI bash -c "set -e; for ((i = $kept; i < $k; i++)); do cni_attach a\$i; done" \
      || { echo "cni: attaching the alive containers failed" >&2; exit 1; }
    kept=$k
    for c in "${CS[@]}"; do PASS_WRAP=$IN_CNI run_pass cni-bridge "$k" "$c" cni_worker; done
  done
  $IN_CNI bash -c "for ((i = 0; i < $kept; i++)); do cni_detach a\$i; done" || true
  ip netns del ${PFX}cni
fi

# ---------- Docker (dockerd from Debian's docker.io) ----------
# docker_worker W DEADLINE_US: connects container cnmchurn-cW to the churn network and disconnects
# it, until the deadline, over one kept-alive Engine API connection (Python's http.client: a curl
# per request would add a process start to every cycle, which no runtime pays)
cat > "$WORK/docker-worker.py" <<'PY'
import http.client, json, os, socket, sys, time
sock, w, end = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock)
conn = Unix("localhost")
def call(path, body):
    t0 = time.perf_counter_ns()
    conn.request("POST", "/v1.41" + path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read()
    if r.status >= 300:
        sys.exit("docker API POST %s: HTTP %d %s" % (path, r.status, data[:300]))
    return (time.perf_counter_ns() - t0) // 1000
while time.time_ns() // 1000 < end:
    j = call("/networks/cnmchurn/connect", {"Container": "cnmchurn-c" + w})
    l = call("/networks/cnmchurn/disconnect", {"Container": "cnmchurn-c" + w, "Force": False})
    print(j, j, l, l)
t = os.times()
print("cpu %d" % ((t.user + t.system) * 1000))
PY
docker_worker() { python3 "$WORK/docker-worker.py" "$WORK/docker.sock" "$1" "$2"; }
docker_daemon_ticks() { proc_ticks "$DOCKERD_PID" $(pgrep -P "$DOCKERD_PID" containerd || true); }
if runs docker; then
  host_tools_who=bench-churn source scripts/lib/host-tools.sh
  host_tools_ensure test
  ip netns add ${PFX}docker
  ip -n ${PFX}docker link set lo up
  docker_start ${PFX}docker
  docker_busybox_image cnmchurn/busybox:1
  docker network create -d bridge --subnet 10.207.0.0/16 cnmchurn >/dev/null
  # the clients' containers live on a network of their own (Docker connects no container of
  # --network none to anything else) and join the churn network and leave it again
  docker network create -d bridge --subnet 10.208.0.0/24 cnmchurn-home >/dev/null
  maxc=0; for c in "${CS[@]}"; do [ "$c" -gt "$maxc" ] && maxc=$c; done
  for ((w = 0; w < maxc; w++)); do docker run -d --network cnmchurn-home --name "cnmchurn-c$w" cnmchurn/busybox:1 sleep 36000 >/dev/null; done
  # a container that exited would still take connect/disconnect, without any kernel work
  [ "$(docker inspect -f '{{.State.Running}}' cnmchurn-c0)" = true ] \
    || { echo "docker: the test container does not run: $(docker logs cnmchurn-c0 2>&1 | tail -2)" >&2; exit 1; }
  kept=0
  for k in "${KS[@]}"; do
    if [ "$k" -gt "$DOCKER_KMAX" ]; then echo "# docker: K=$k skipped (DOCKER_KMAX=$DOCKER_KMAX)"; continue; fi
    for ((; kept < k; kept++)); do docker run -d --network cnmchurn --name "cnmchurn-a$kept" cnmchurn/busybox:1 sleep 36000 >/dev/null; done
    for c in "${CS[@]}"; do run_pass docker "$k" "$c" docker_worker docker_daemon_ticks; done
  done
  docker rm -f $(docker ps -aq) >/dev/null 2>&1 || true
  docker network rm cnmchurn cnmchurn-home >/dev/null 2>&1 || true   # the daemon and its data root go next anyway
  docker_stop
  ip netns del ${PFX}docker
fi

# ---------- the kernel's floor (ip -batch, no daemon) ----------
# (run with nsenter --net: `ip netns exec` would give ip a mount namespace of its own, where the
# names `netns add` mounts are seen by nobody else)
# floor_batch W N MODE: N cycles for client W, as an `ip -batch` file
floor_batch() {
  local w=$1 n=$2 mode=$3 i ns
  for ((i = 0; i < n; i++)); do
    ns=${PFX}f$w-$i
    echo "netns add $ns"
    echo "link add fv$w-$i type veth peer name eth0 netns $ns"
    echo "link set fv$w-$i master cnmfloor0 up"
    [ "$mode" = linkdel ] && echo "link del fv$w-$i"
    echo "netns del $ns"
  done
}
if runs floor; then
  ip netns add ${PFX}floor
  ip -n ${PFX}floor link set lo up
  # the alive pairs hang on a bridge of their own: a bridge takes at most 1024 ports (EXFULL)
  for br in cnmfloor0 cnmfloora; do ip -n ${PFX}floor link add $br type bridge; ip -n ${PFX}floor link set $br up; done
  kept=0
  for k in "${KS[@]}"; do
    if [ "$k" -gt "$kept" ]; then
      for ((i = kept; i < k; i++)); do
        echo "netns add ${PFX}fa$i"
        echo "link add fa$i type veth peer name eth0 netns ${PFX}fa$i"
        echo "link set fa$i master cnmfloora up"
      done > "$WORK/floor-alive.batch"
      nsenter --net=/run/netns/${PFX}floor ip -batch "$WORK/floor-alive.batch"
      kept=$k
    fi
    for mode in linkdel nsdel; do
      for c in "${CS[@]}"; do
        # cycles a client: ~40 a second of DURATION, and at most 900 ports pending on the bridge
        FN=$(awk -v d="$DURATION" -v c="$c" 'BEGIN{n=int(d*40); m=int(900/c); n=(n > m ? m : n); print (n < 10 ? 10 : n)}')
        for ((w = 0; w < c; w++)); do floor_batch "$w" "$FN" "$mode" > "$WORK/floor.$w.batch"; done
        h0=$(host_busy_ticks); t0=${EPOCHREALTIME/./}
        fpids=()
        for ((w = 0; w < c; w++)); do nsenter --net=/run/netns/${PFX}floor ip -batch "$WORK/floor.$w.batch" & fpids+=($!); done
        wait "${fpids[@]}"
        # `netns del` returns before the kernel has torn the namespace down (its veth with it):
        # the pass ends when the bridge has no port of it left
        while [ -n "$(ip -n ${PFX}floor -o link show master cnmfloor0)" ]; do sleep 0.01; done
        t1=${EPOCHREALTIME/./}; h1=$(host_busy_ticks)
        floor_record "floor-$mode" "$k" "$c" $((FN * c)) "$((t1 - t0))" "$((h1 - h0))"
      done
    done
  done
  for ((i = 0; i < kept; i++)); do echo "netns del ${PFX}fa$i"; done > "$WORK/floor-alive.batch"
  [ "$kept" -gt 0 ] && ip -batch "$WORK/floor-alive.batch"
  ip netns del ${PFX}floor
fi

# ---------- side by side ----------
churn_table "$RESULTS"
echo "(all records: $RESULTS; load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
