# Docker as a benchmark peer, without a registry: a dockerd of the benchmark's own in a network
# namespace, and a busybox image imported from the host's busybox. Sourced by bench-churn.sh and
# bench-dns.sh; they set WORK (their scratch directory) first.

# docker_start NETNS: dockerd in namespace NETNS with its data root, exec root, pid file and socket
# under $WORK/docker; sets DOCKERD_PID and exports DOCKER_HOST.
docker_start() {
  mkdir -p "$WORK/docker/data" "$WORK/docker/exec"
  # nsenter --net only: dockerd needs the host's cgroup mounts, which `ip netns exec` hides
  nsenter --net=/run/netns/"$1" dockerd --storage-driver=vfs --data-root "$WORK/docker/data" \
    --exec-root "$WORK/docker/exec" --pidfile "$WORK/docker/dockerd.pid" --host "unix://$WORK/docker.sock" \
    > "$WORK/docker/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 300); do curl -s --unix-socket "$WORK/docker.sock" http://localhost/_ping 2>/dev/null | grep -q OK && break; sleep 0.1; done
  export DOCKER_HOST=unix://$WORK/docker.sock
  docker version >/dev/null || { echo "dockerd did not start:" >&2; tail -20 "$WORK/docker/dockerd.log" >&2; exit 1; }
}

# docker_busybox_image TAG: imports a root file system holding the host's busybox (every applet
# linked) as image TAG.
docker_busybox_image() {
  local r=$WORK/docker/root l a
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev"
  cp "$(command -v busybox)" "$r/bin/busybox"
  # Debian's busybox is linked dynamically: its libraries and loader go into the root too
  for l in $(ldd "$(command -v busybox)" | grep -o '/[^ ]*'); do cp --parents -L "$l" "$r"; done
  for a in $(busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
  tar -C "$r" -cf "$WORK/docker/root.tar" .
  docker import -c 'CMD ["/bin/sh"]' "$WORK/docker/root.tar" "$1" >/dev/null
}

# docker_stop: ends the dockerd docker_start started (TERM, then up to 30 s), unmounts what it left
# under $WORK/docker and removes that directory.
docker_stop() {
  [ -n "${DOCKERD_PID:-}" ] || return 0
  # `|| true`: the callers run under set -e, and a daemon that already exited is no error here
  kill "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$DOCKERD_PID" 2>/dev/null || true
  DOCKERD_PID=
  for m in $(awk '{print $2}' /proc/self/mounts | grep "^$WORK/docker" | sort -r); do umount -l "$m"; done
  rm -rf "$WORK/docker"
}
