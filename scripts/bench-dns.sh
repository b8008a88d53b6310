#!/usr/bin/env bash
# Embedded DNS benchmark (issue 17): dnsperf from inside a container's network namespace against
# its resolver at 127.0.0.11, for two query sets, with the same query files for every peer:
#
#   names      the names of the querier's network: N endpoints, each by its name (cnmbench-dns-e<i>)
#              and by its alias (svc-<i>), A queries: 2N names
#   forwarded  2N names f<i>.fwd.test, A queries, that the resolver forwards to its upstream: a
#              dnsmasq authoritative for fwd.test (--address=/fwd.test/..., --no-resolv, --no-hosts)
#              in a namespace of its own (cnmbench-dns-up), reached over veth pairs
#
# Peers, each set up before any is measured and measured one after another in the same run:
#   cnm          `cnm up` (in the namespace cnmbench-dns-cnm) with a data dir of this script's own,
#                driven through its API (dev.cnm.bench.dns.DnsBenchSetup): one bridge network, N
#                endpoints each joined to a sandbox, and a querying sandbox whose dns_servers is the
#                upstream; dnsperf runs with `nsenter --net=<the sandbox's key>`. cnm forwards from
#                the agent's namespace, which reaches the upstream over a veth pair.
#   docker       Debian's dockerd 20.10 (in the namespace cnmbench-dns-docker) with a data root, exec
#                root, pidfile and socket of this script's own and an image imported from the host's
#                busybox (no registry): a user-defined network, N containers with the same names and
#                --network-alias svc-<i>, and a querying container with --dns <upstream>; dnsperf
#                runs with `nsenter -t <its pid> -n` (Docker's DNAT rule in the container's namespace
#                sends 127.0.0.11:53 to its resolver's real port). Docker forwards from the
#                container's namespace: through its bridge, the dockerd namespace (where dockerd
#                turns forwarding on and masquerades) and a veth pair to the upstream.
#   dnsmasq      the plain resolver as reference: a second dnsmasq in the upstream's namespace that
#                answers both sets itself (the names as --host-record, fwd.test as the upstream does);
#                dnsperf runs in that namespace.
#   dnsmasq-fwd  (forwarded set only) a third dnsmasq with the names as --host-record that forwards
#                everything else to the upstream with its cache off (--cache-size=0): a forwarder
#                written in C doing what the embedded resolvers do for this set.
#
# Per peer and set, two dnsperf passes of DURATION s each, after an uncounted warm-up of WARMUP s:
#   @c<C>q<Q>  as fast as the resolver answers: C clients (sockets), at most Q queries outstanding.
#              Latency here is mostly queueing (Little's law: about Q / rate).
#   @r<R>      a fixed offered load of R queries/s (-Q R, 1 client, at most Q outstanding): the
#              latency of a resolver that is not saturated.
# dnsperf runs with -v; p50/p99 are nearest-rank percentiles of the per-query latencies it prints
# (this dnsperf has no latency histogram); rate = answered queries / dnsperf's run time. Records
# (JSONL, lib.sh style, metric dns.<set>@<pass>) also give lost queries, the NOERROR share and the
# resolver's CPU per answered query (user + system time of its process: `cnm up`, dockerd, the
# dnsmasq; never the upstream's nor dnsperf's).
#
# Every namespace, link, data root and process made here is removed on exit (names cnmbench-dns-*);
# the host's own namespace is not changed.
#
# Usage: sudo scripts/bench-dns.sh            (N = 25, 10 s a pass)
#        sudo QUICK=1 scripts/bench-dns.sh    (CI smoke: N = 3, 1 s a pass, no warm-up)
# Env:   N=25 DURATION=10 (s a pass) WARMUP=5 (s, uncounted, each peer and set: cnm up's JIT) CLIENTS=4
#        OUTSTANDING=64 (dnsperf -c / -q of the saturating pass; Docker's and cnm's resolvers forward
#        at most 100 queries at once) LOAD_QPS=1000 (the fixed-load pass)
#        PEERS=cnm,docker,dnsmasq,dnsmasq-fwd (which run)  RESULTS_FILE (default bench/target/dns.jsonl)
#        CNM_JAR (default cli/target/cnm.jar)  SKIP_BUILD=1 (reuse the jars built before)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${QUICK:-0}" = 1 ]; then
  N=${N:-3}; DURATION=${DURATION:-1}; WARMUP=${WARMUP:-0}
fi
N=${N:-25}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-64}
LOAD_QPS=${LOAD_QPS:-1000}
PEERS=${PEERS:-cnm,docker,dnsmasq,dnsmasq-fwd}
RESULTS=${RESULTS_FILE:-$PWD/bench/target/dns.jsonl}
PFX=cnmbench-dns-
UPSTREAM=10.209.53.53     # the upstream: fwd.test only
REF=10.209.53.54          # dnsmasq: the names and fwd.test
REF_FWD=10.209.53.55      # dnsmasq-fwd: the names, the rest forwarded to $UPSTREAM
FWD_ANSWER=10.211.0.1     # every name of fwd.test
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, dockerd)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/cnmbench-dns.XXXXXX)
UP_PID=
DOCKERD_PID=
DNSMASQ_PIDS=()
FAILED=0
export RESULTS_FILE=$RESULTS
# shellcheck source=lib/churn-stats.sh
source scripts/lib/churn-stats.sh
# shellcheck source=lib/host-tools.sh
source scripts/lib/host-tools.sh
# shellcheck source=lib/bench-docker.sh
source scripts/lib/bench-docker.sh

runs() { [[ ",$PEERS," == *",$1,"* ]]; }
del_our_netns() { for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX" || true); do ip netns del "$ns"; done; }
cleanup() {
  set +e
  [ -n "$UP_PID" ] && kill -9 "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
  if [ -n "$DOCKERD_PID" ]; then
    DOCKER_HOST=unix://$WORK/docker.sock docker rm -f $(DOCKER_HOST=unix://$WORK/docker.sock docker ps -aq) >/dev/null 2>&1
  fi
  docker_stop
  for p in "${DNSMASQ_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for m in $(awk '{print $2}' /proc/self/mounts | grep "^$WORK" | sort -r); do umount -l "$m"; done
  del_our_netns
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
del_our_netns
host_tools_who=bench-dns host_tools_ensure test
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"
echo "# bench-dns: N=$N (2N names a set), ${DURATION}s a pass, dnsperf -c $CLIENTS -q $OUTSTANDING and -Q $LOAD_QPS," \
  "$(dnsperf -h 2>&1 | grep -m1 '^Version'), kernel $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------- query files ----------
for ((i = 0; i < N; i++)); do echo "${PFX}e$i A"; echo "svc-$i A"; done > "$WORK/names.txt"
for ((i = 0; i < 2 * N; i++)); do echo "f$i.fwd.test A"; done > "$WORK/forwarded.txt"

# ---------- the upstream's namespace: the upstream and the reference dnsmasqs ----------
ip netns add ${PFX}up
ip -n ${PFX}up link set lo up
for a in $UPSTREAM $REF $REF_FWD; do ip -n ${PFX}up addr add $a/32 dev lo; done
# link_upstream NS I: a veth pair between NS and the upstream's namespace (10.209.I.0/30), and a
# route from NS to the dnsmasqs' addresses
link_upstream() {
  ip link add dnsup netns "$1" type veth peer name "dnsp$2" netns ${PFX}up
  ip -n "$1" addr add "10.209.$2.2/30" dev dnsup
  ip -n ${PFX}up addr add "10.209.$2.1/30" dev "dnsp$2"
  ip -n "$1" link set dnsup up
  ip -n ${PFX}up link set "dnsp$2" up
  ip -n "$1" route add 10.209.53.0/24 via "10.209.$2.1"
}
# dnsmasq_start NAME ADDRESS CONF: a dnsmasq in the foreground on ADDRESS:53 only, with CONF's
# lines as extra options; its PID goes to DNSMASQ_PIDS and to $WORK/NAME.pid
dnsmasq_start() {
  printf '%s\n' "$3" > "$WORK/$1.conf"
  nsenter --net=/run/netns/${PFX}up dnsmasq --keep-in-foreground --conf-file="$WORK/$1.conf" --no-resolv --no-hosts \
    --bind-interfaces --listen-address="$2" --user=root --pid-file="$WORK/$1.dnsmasq.pid" \
    --log-facility="$WORK/$1.log" &
  DNSMASQ_PIDS+=($!)
  echo $! > "$WORK/$1.pid"
  for _ in $(seq 50); do nsenter --net=/run/netns/${PFX}up ss -lun | grep -q " $2:53 " && return 0; sleep 0.1; done
  echo "dnsmasq $1 does not listen on $2:53: $(tail -3 "$WORK/$1.log")" >&2
  exit 1
}
host_records() { for ((i = 0; i < N; i++)); do echo "host-record=${PFX}e$i,10.215.0.$((i + 2))"; echo "host-record=svc-$i,10.215.0.$((i + 2))"; done; }
dnsmasq_start upstream $UPSTREAM "address=/fwd.test/$FWD_ANSWER"
dnsmasq_start dnsmasq $REF "address=/fwd.test/$FWD_ANSWER
$(host_records)"
dnsmasq_start dnsmasq-fwd $REF_FWD "server=$UPSTREAM
cache-size=0
$(host_records)"

# answers WRAP... -- SERVER NAME: the A records of NAME from SERVER (dig run through WRAP), sorted;
# nothing when it does not answer
answers() {
  local wrap=()
  while [ "$1" != -- ]; do wrap+=("$1"); shift; done
  "${wrap[@]}" dig +short +time=1 +tries=1 @"$2" "$3" A 2>/dev/null | grep -E '^[0-9.]+$' | sort | xargs || true
}

# measure PEER SET SERVER "DAEMON PIDS" WRAP...: the warm-up and the two passes of one peer and
# query set, dnsperf run through WRAP (e.g. nsenter into the querier's namespace)
measure() {
  local peer=$1 set=$2 server=$3 pids=$4
  shift 4
  if [ "$WARMUP" != 0 ]; then
    "$@" dnsperf -s "$server" -d "$WORK/$set.txt" -l "$WARMUP" -c "$CLIENTS" -q "$OUTSTANDING" > /dev/null 2>&1 || true
  fi
  dnsperf_pass "$peer" "$set" "c${CLIENTS}q$OUTSTANDING" "$pids" "$@" dnsperf -s "$server" -d "$WORK/$set.txt" \
    -l "$DURATION" -c "$CLIENTS" -q "$OUTSTANDING" -v
  dnsperf_pass "$peer" "$set" "r$LOAD_QPS" "$pids" "$@" dnsperf -s "$server" -d "$WORK/$set.txt" \
    -l "$DURATION" -c 1 -q "$OUTSTANDING" -Q "$LOAD_QPS" -v
}
# dnsperf_pass PEER SET PASS "DAEMON PIDS" COMMAND...: one run and its records
dnsperf_pass() {
  local peer=$1 set=$2 pass=$3 pids=$4 metric="dns.$2@$3" out=$WORK/dnsperf.out t0 t1 run n lost noerror
  shift 4
  # shellcheck disable=SC2086
  t0=$(proc_ticks $pids)
  "$@" > "$out" 2>&1 || { echo "[$peer] $metric: dnsperf failed: $(tail -3 "$out")" >&2; FAILED=1; return 0; }
  # shellcheck disable=SC2086
  t1=$(proc_ticks $pids)
  run=$(awk '/Run time \(s\):/{print $4}' "$out")
  lost=$(awk '/Queries lost:/{print $3}' "$out")
  awk '/^> /{printf "%d\n", $NF * 1000000 + 0.5}' "$out" > "$WORK/lat"
  n=$(wc -l < "$WORK/lat")
  [ "$n" -gt 0 ] || { echo "[$peer] $metric: no answer at all ($(grep -m1 'Response codes' "$out"))" >&2; FAILED=1; return 0; }
  json_stats "$peer" "$metric" "$(awk -v r="$run" 'BEGIN{printf "%d", r * 1000000}')" < "$WORK/lat"
  noerror=$(awk '/^> /{t++; if ($2 == "NOERROR") k++} END{printf "%.2f", t ? 100 * k / t : 0}' "$out")
  json_value "$peer" "$metric.lost" "$lost" queries
  json_value "$peer" "$metric.noerror" "$noerror" "%"
  json_value "$peer" "$metric.cpu_per_query" "$(awk -v d=$((t1 - t0)) -v n="$n" 'BEGIN{printf "%.2f", d * 10000 / n}')" us
  if [ "$noerror" != 100.00 ] || [ "$lost" != 0 ]; then
    echo "[$peer] $metric: $lost lost, not every answer NOERROR: $(grep -m1 'Response codes' "$out" | xargs)" >&2
    FAILED=1
  fi
}

# ---------- cnm up ----------
if runs cnm; then
  source scripts/lib/bench-build.sh
  bench_build cli,bench bench/target/bench.classpath
  CP="bench/target/classes:$(cat bench/target/bench.classpath)"
  # a rebuild during the run must not swap the jar under the JVM; CNM_JAR runs another build's jar
  cp "${CNM_JAR:-cli/target/cnm.jar}" "$WORK/cnm.jar"
  ip netns add ${PFX}cnm
  ip -n ${PFX}cnm link set lo up
  link_upstream ${PFX}cnm 1
  nsenter --net=/run/netns/${PFX}cnm java ${UP_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar "$WORK/cnm.jar" up \
    --state-dir "$WORK/state" --socket "$WORK/cnm.sock" --node bench --nft-table cnmbenchdns \
    --no-userland-proxy > "$WORK/up.log" 2>&1 &
  UP_PID=$!
  for _ in $(seq 150); do [ -S "$WORK/cnm.sock" ] && break; sleep 0.2; done
  [ -S "$WORK/cnm.sock" ] || { echo "cnm up did not start:" >&2; tail -20 "$WORK/up.log" >&2; exit 1; }
  java -Xmx256m -cp "$CP" dev.cnm.bench.dns.DnsBenchSetup --target "unix:$WORK/cnm.sock" --n "$N" \
    --upstream $UPSTREAM --prefix $PFX --subnet 10.212.0.0/16 --bridge cnmbdns0 \
    > "$WORK/cnm-setup" 2> >(grep --line-buffered -v WARN >&2)
  CNM_KEY=$(sed -n 's/^key=//p' "$WORK/cnm-setup")
  CNM_E0=$(sed -n 's/^e0=//p' "$WORK/cnm-setup")
  [ -e "$CNM_KEY" ] || { echo "cnm: the querying sandbox has no namespace ('$CNM_KEY')" >&2; exit 1; }
fi

# ---------- Docker (dockerd from Debian's docker.io) ----------
if runs docker; then
  ip netns add ${PFX}docker
  ip -n ${PFX}docker link set lo up
  link_upstream ${PFX}docker 2
  docker_start ${PFX}docker
  docker_busybox_image cnmbench-dns/busybox:1
  docker network create -d bridge --subnet 10.213.0.0/16 ${PFX}net >/dev/null
  for ((i = 0; i < N; i++)); do
    docker run -d --network ${PFX}net --name "${PFX}e$i" --network-alias "svc-$i" --hostname "h$i" \
      cnmbench-dns/busybox:1 sleep 36000 >/dev/null
  done
  docker run -d --network ${PFX}net --name ${PFX}q --hostname q --dns $UPSTREAM cnmbench-dns/busybox:1 sleep 36000 >/dev/null
  DOCKER_Q_PID=$(docker inspect -f '{{.State.Pid}}' ${PFX}q)
  DOCKER_E0=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${PFX}e0)
  [ "$DOCKER_Q_PID" -gt 0 ] || { echo "docker: the querying container does not run" >&2; exit 1; }
fi

# ---------- check every peer answers both sets right, then measure them one after another ----------
declare -A WRAP SERVER DAEMON E0
if runs cnm; then
  WRAP[cnm]="nsenter --net=$CNM_KEY"; SERVER[cnm]=127.0.0.11; DAEMON[cnm]=$UP_PID; E0[cnm]=$CNM_E0
fi
if runs docker; then
  WRAP[docker]="nsenter -t $DOCKER_Q_PID -n"; SERVER[docker]=127.0.0.11; DAEMON[docker]=$DOCKERD_PID; E0[docker]=$DOCKER_E0
fi
if runs dnsmasq; then
  WRAP[dnsmasq]="nsenter --net=/run/netns/${PFX}up"; SERVER[dnsmasq]=$REF; DAEMON[dnsmasq]=$(cat "$WORK/dnsmasq.pid"); E0[dnsmasq]=10.215.0.2
fi
if runs dnsmasq-fwd; then
  WRAP[dnsmasq-fwd]="nsenter --net=/run/netns/${PFX}up"; SERVER[dnsmasq-fwd]=$REF_FWD
  DAEMON[dnsmasq-fwd]=$(cat "$WORK/dnsmasq-fwd.pid"); E0[dnsmasq-fwd]=10.215.0.2
fi
READY=()
for peer in cnm docker dnsmasq dnsmasq-fwd; do
  runs "$peer" || continue
  # shellcheck disable=SC2086
  wrap=(${WRAP[$peer]})
  # cnm's agent applies the Joins after they return: the names may take a moment to appear
  got=; deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(answers "${wrap[@]}" -- "${SERVER[$peer]}" "${PFX}e0")
    [ "$got" = "${E0[$peer]}" ] && break; sleep 0.2
  done
  fwd=$(answers "${wrap[@]}" -- "${SERVER[$peer]}" f0.fwd.test)
  alias=$(answers "${wrap[@]}" -- "${SERVER[$peer]}" "svc-$((N - 1))")
  if [ "$got" != "${E0[$peer]}" ] || [ -z "$alias" ] || [ "$fwd" != $FWD_ANSWER ]; then
    echo "[$peer] not measured: ${PFX}e0 -> '${got}' (expected ${E0[$peer]}), svc-$((N - 1)) -> '$alias'," \
      "f0.fwd.test -> '$fwd' (expected $FWD_ANSWER) from ${SERVER[$peer]}" >&2
    FAILED=1
    continue
  fi
  READY+=("$peer")
done
for set in names forwarded; do
  for peer in "${READY[@]}"; do
    [ "$peer" = dnsmasq-fwd ] && [ "$set" = names ] && continue   # the same host records as dnsmasq
    # shellcheck disable=SC2086
    measure "$peer" "$set" "${SERVER[$peer]}" "${DAEMON[$peer]}" ${WRAP[$peer]}
  done
done

# ---------- side by side ----------
echo
echo "| set | pass | peer | queries/s | p50 ms | p99 ms | lost | CPU µs/query |"
echo "|---|---|---|---|---|---|---|---|"
jq -rs '
  (map(select(.value != null)) | map({key: "\(.peer) \(.metric)", value: .value}) | from_entries) as $v
  | map(select(.median_ms != null) | . + (.metric | capture("^dns\\.(?<set>[a-z]+)@(?<pass>.+)$")))[]
  | "| \(.set) | \(.pass) | \(.peer) | \(.per_s) | \(.median_ms) | \(.p99_ms) | \($v["\(.peer) \(.metric).lost"]) | \($v["\(.peer) \(.metric).cpu_per_query"]) |"' "$RESULTS"
jq -rs --arg sat "c${CLIENTS}q$OUTSTANDING" '
  map(select(.median_ms != null)) | (map({key: "\(.peer) \(.metric)", value: .per_s}) | from_entries) as $r
  | ["names", "forwarded"][] as $s
  | ($r["cnm dns.\($s)@\($sat)"]) as $c | ($r["docker dns.\($s)@\($sat)"]) as $d
  | select($c != null and $d != null)
  | "cnm / docker queries/s, \($s) @\($sat): \((100 * $c / $d | round) / 100)x"' "$RESULTS"
echo "(all records: $RESULTS; load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$FAILED" = 0 ] || { echo "bench-dns: some peer did not answer right (see above)" >&2; exit 1; }
