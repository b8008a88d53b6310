#!/usr/bin/env bash
# Store benchmark (issue 2): put, guarded Txn, range and watch delivery, embedded vs etcd,
# 1 and 16 clients, over real gRPC on loopback. Starts its own etcd (Debian package etcd-server).
# Usage: scripts/bench-store.sh [seconds-per-cell]   (SKIP_BUILD=1 to reuse an existing build)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
source scripts/lib/bench-build.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp_file="$work/classpath"
bench_build bench "$cp_file"
# run from a copy, so a rebuild of bench/ during the run cannot pull classes away
cp -r bench/target/classes "$work/classes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), $(java -version 2>&1 | head -1)"
java -Xmx1g -cp "$work/classes:$(cat "$cp_file")" dev.cnm.bench.store.StoreBench "${1:-5}"
