#!/usr/bin/env bash
# IMAP: Facteur against Dovecot (dovecot-imapd, Maildir) on this machine. See docs/benchmarks.md.
#   bench/imap/run.sh [--build DIR] [driver options: --messages N --idle-connections N ...]
# Installs dovecot-imapd if missing (the system's own Dovecot stays unconfigured and stopped),
# builds facteur and facteur-imap-bench in Release mode (default build-bench/), raises the open
# file limit for thousands of connections, and runs bench/imap/driver.py. Results go to
# bench/imap/results/<date>/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-bench"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(realpath -m "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/imap/run.sh: run as root (it installs dovecot-imapd and starts Dovecot)" >&2
  exit 1
fi
if ! dpkg-query -W -f='${Status}' dovecot-imapd 2>/dev/null | grep -q 'install ok installed'; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
fi
systemctl stop dovecot 2>/dev/null || true
getent group fbench >/dev/null || groupadd --system fbench
id fbench >/dev/null 2>&1 ||
  useradd --system --gid fbench --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin fbench

# Same build as bench/run.sh (GCC 12 at -O3 reports a false -Wrestrict: keep it a warning).
[ -f "$build/build.ninja" ] ||
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFACTEUR_TESTS=OFF \
    "-DCMAKE_CXX_FLAGS=-g -Wno-error=restrict" >/dev/null
cmake --build "$build" --target facteur facteur-imap-bench -j "$(nproc)"

# 10,000 connections: the client, Facteur and Dovecot inherit this limit.
ulimit -n "$(ulimit -Hn)"
out="$root/bench/imap/results/$(date +%Y-%m-%d-%H%M)"
# The machine may be shared: both servers and the client inherit a higher CPU priority.
exec nice -n "${BENCH_NICE:--10}" python3 "$root/bench/imap/driver.py" --build "$build" --corpora "$root/../shared/corpora" \
  --out "$out" "${args[@]}"
