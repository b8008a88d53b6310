# Builds what a benchmark runs, for the scripts/bench-*.sh (sourced; run from the repository root).
# The Maven wrapper, online: a new machine has no `mvn` and an empty Maven cache, which an offline
# build (-o) would refuse. The host's programs come from scripts/lib/host-tools, as for the tests.

# shellcheck source=host-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/host-tools.sh"

# bench_build MODULES CLASSPATH_FILE: installs MODULES (comma-separated, with what they need) and
# writes the bench module's class path to CLASSPATH_FILE. SKIP_BUILD=1 reuses the jars already built.
bench_build() {
  local out=$2
  [[ "$out" == /* ]] || out="$PWD/$out"   # Maven resolves a relative path from the module's dir
  host_tools_who=bench host_tools_ensure run build test
  [[ "${SKIP_BUILD:-0}" == 1 ]] || ./mvnw -B -q install -DskipTests -pl "$1" -am
  ./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$out" >/dev/null
}
