#!/usr/bin/env bash
# IPAM benchmark (issue 3): builds bench and every module it needs (-am, so it works from a
# clean clone), then runs dev.cnm.bench.ipam.IpamBench, which starts its own store-service
# (embedded, then over a real etcd from Debian's etcd-server) and ipam-service, clients on loopback,
# and prints a Markdown table (see docs/benchmarks.md). Server logs and the group-commit
# metrics of each run go to bench/target/bench-ipam.log.
# Usage: scripts/bench-ipam.sh [gRPC allocations with 16 clients, default 60000 (at most 65000:
#   one /16 per run)] [setups, default abc]. With 20,000 the first measured row still ran ~30 %
#   slower than the same configuration measured later in the process (docs/benchmarks-history.md, IPAM,
#   sixth round). The heap is fixed at 1 GB (-Xms = -Xmx), so later rows do not run on a larger
#   heap, with fewer collections, than earlier ones.
#   SKIP_BUILD=1 reuses an existing build (scripts/lib/bench-build.sh).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
source scripts/lib/bench-build.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bench_build bench "$work/classpath"
# run from a copy, so a rebuild of bench/ during the run cannot pull classes away
cp -r bench/target/classes "$work/classes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), $(java -version 2>&1 | head -1)"
java -Xms1g -Xmx1g -cp "$work/classes:$(cat "$work/classpath")" dev.cnm.bench.ipam.IpamBench "$@" 2> bench/target/bench-ipam.log
