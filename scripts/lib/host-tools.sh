# Reads scripts/lib/host-tools (sourced by bin/cnm, scripts/test.sh and the benchmark scripts).

host_tools_file="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/host-tools"

# Prints, one per line and without repeats, the Debian packages of the tools of the given
# scopes that this host lacks.
host_tools_missing() {
  local tool pkg scope
  while read -r tool pkg scope; do
    [[ -z "$tool" || "$tool" == \#* ]] && continue
    [[ " $* " == *" $scope "* ]] || continue
    if [[ "$tool" == /* ]]; then
      [[ -e "$tool" ]] && continue
    else
      command -v "$tool" >/dev/null 2>&1 && continue
    fi
    echo "$pkg"
  done <"$host_tools_file" | sort -u
}

# Installs what host_tools_missing names for the given scopes, as root with apt-get; otherwise
# prints one line naming the packages and returns 1. $host_tools_who names the caller in messages.
host_tools_ensure() {
  local missing
  missing=$(host_tools_missing "$@" | tr '\n' ' ')
  missing=${missing% }
  [[ -z "$missing" ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "${host_tools_who:-cnm}: installing the Debian packages $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >&2
    return 0
  fi
  echo "${host_tools_who:-cnm}: missing the Debian packages $missing: install them (apt-get install $missing) or run this as root on Debian/Ubuntu" >&2
  return 1
}
