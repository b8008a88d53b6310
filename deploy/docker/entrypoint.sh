#!/bin/sh
# Entry point of the cnm image: runs the cnm command with the container's arguments, e.g.
#   docker run cnm:0.1.0 serve store --backend etcd --etcd-endpoints http://etcd:2379
# exec replaces this shell, so the JVM is PID 1 and receives SIGTERM for a graceful shutdown.
#   CNM_JAR    the cnm jar (default /opt/cnm/cnm.jar, a jar with every dependency inside)
#   JAVA       the java launcher (default: java on PATH)
#   JAVA_OPTS  extra JVM options, split on spaces, e.g. "-XX:MaxRAMPercentage=75 -Xss512k"
set -eu

CNM_JAR="${CNM_JAR:-/opt/cnm/cnm.jar}"
JAVA="${JAVA:-java}"

if [ ! -r "$CNM_JAR" ]; then
  echo "cnm-entrypoint: cannot read $CNM_JAR (set CNM_JAR to the cnm jar)" >&2
  exit 127
fi

# jnr-ffi (netlink) and sqlite-jdbc call native code: allow it without warnings on newer JDKs.
# JAVA_OPTS is meant to be split into several options, hence unquoted.
# shellcheck disable=SC2086
exec "$JAVA" --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -jar "$CNM_JAR" "$@"
