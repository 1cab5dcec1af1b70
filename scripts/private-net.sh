#!/bin/sh
# Runs a command in a private network namespace holding only loopback, so no test packet can
# leave the machine (WebRTC would otherwise gather and use every interface's address).
# As root: `unshare -n`; otherwise an unprivileged user namespace (`unshare -rn`).
# APPEL_PRIVATE_NET=1 marks that we are already inside.
set -eu
if [ "${APPEL_PRIVATE_NET:-}" = 1 ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then flags=-n; else flags=-rn; fi
if ! unshare $flags true 2>/dev/null; then
  echo "private-net: cannot create a network namespace (unshare $flags failed); refusing to run WebRTC tests on the host network" >&2
  exit 1
fi
exec unshare $flags sh -c 'ip link set lo up && APPEL_PRIVATE_NET=1 exec "$@"' private-net "$@"
