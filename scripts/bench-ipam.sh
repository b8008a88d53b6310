#!/usr/bin/env bash
# IPAM benchmark (issue 3): builds ipam-service and bench, then runs dev.cnm.bench.ipam.IpamBench,
# which starts its own store-service (embedded, then over a real etcd from Debian's etcd-server)
# and ipam-service on loopback, and prints a Markdown table (see docs/benchmarks.md).
# Usage: scripts/bench-ipam.sh [gRPC allocations with 16 clients, default 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/etcd >/dev/null || { echo "install Debian package etcd-server" >&2; exit 1; }
flock /tmp/cnm-mvn.lock mvn -q -o -pl ipam-service,bench install -DskipTests
mvn -q -o -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
exec java -Xmx1g -cp "$CP" dev.cnm.bench.ipam.IpamBench "$@" 2> bench/target/bench-ipam.log
