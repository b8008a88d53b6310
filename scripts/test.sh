#!/usr/bin/env bash
# The test command of the README (and of .ci/run): installs what the tests need when it is
# missing, then runs the full Maven build with every test and exits with its status.
#
# Needs root: the tests create network namespaces, links and nftables tables (all named
# cnmt*, removed afterwards), start etcd on loopback, and install Debian packages.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# command (or file) the tests use -> the Debian package that provides it
declare -A needs=(
  [javac]=openjdk-17-jdk-headless
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  [nft]=nftables
  [ip]=iproute2
  [iperf3]=iperf3
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [docker-compose]=docker-compose
  [jq]=jq
  [ping]=iputils-ping
  [unshare]=util-linux
  [python3]=python3
)

missing=()
for what in "${!needs[@]}"; do
  if [[ "$what" == /* ]]; then
    [[ -e "$what" ]] || missing+=("${needs[$what]}")
  else
    command -v "$what" >/dev/null 2>&1 || missing+=("${needs[$what]}")
  fi
done

if [[ $(id -u) -ne 0 ]]; then
  echo "scripts/test.sh must run as root: the tests create network namespaces, links and nftables" >&2
  echo "tables (named cnmt*, removed afterwards) and start etcd on loopback. Run: sudo $0" >&2
  if ((${#missing[@]})); then
    echo "Also missing (root installs them): apt-get install -y --no-install-recommends ${missing[*]}" >&2
  fi
  exit 1
fi

if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Maven wrapper fetches Maven 3.9.9 from Maven Central on first use.
exec ./mvnw -B install "$@"
