#!/usr/bin/env bash
# The test command of the README (and of .ci/run): installs what the tests need when it is
# missing, then runs the full Maven build with every test and exits with its status.
#
# Needs root: the tests create network namespaces, links and nftables tables (all named
# cnmt*, removed afterwards), start etcd on loopback, and install Debian packages.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# shellcheck source=lib/host-tools.sh
source "$repo/scripts/lib/host-tools.sh"
host_tools_who=test.sh

if [[ $(id -u) -ne 0 ]]; then
  echo "scripts/test.sh must run as root: the tests create network namespaces, links and nftables" >&2
  echo "tables (named cnmt*, removed afterwards) and start etcd on loopback. Run: sudo $0" >&2
  missing=$(host_tools_missing run build test | tr '\n' ' ')
  if [[ -n "${missing// /}" ]]; then
    echo "Also missing (root installs them): apt-get install -y --no-install-recommends $missing" >&2
  fi
  exit 1
fi

# everything scripts/lib/host-tools lists: what the agent runs, the build, and the tests' tools
host_tools_ensure run build test

# The Maven wrapper fetches Maven 3.9.9 from Maven Central on first use.
exec ./mvnw -B install "$@"
