#!/usr/bin/env bash
# SMTP ingest (Facteur vs Postfix) and POP3 retrieval (Facteur vs Dovecot) on this machine.
#   bench/run.sh [--build DIR] [driver options: --runs N --quick --only smtp|pop3 --profile ...]
# Installs Postfix and Dovecot's POP3 server from Debian if missing (the system's own instances
# stay unconfigured and stopped), builds facteur and the load generators in Release mode
# (default build-bench/), then runs bench/driver.py. See docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(realpath -m "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "bench/run.sh: run as root (it installs packages and starts Postfix and Dovecot)" >&2
  exit 1
fi

packages=(postfix dovecot-pop3d linux-perf)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # "No configuration": the package installs no main.cf and starts nothing; we run our own
  # instance with `postfix -c DIR`.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Maildirs that Postfix writes and Dovecot reads belong to this system user.
getent group fbench >/dev/null || groupadd --system fbench
id fbench >/dev/null 2>&1 ||
  useradd --system --gid fbench --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin fbench

if [ ! -f "$build/build.ninja" ]; then
  # GCC 12 at -O3 reports a false -Wrestrict in std::string concatenation; keep it a warning.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFACTEUR_TESTS=OFF \
    "-DCMAKE_CXX_FLAGS=-g -Wno-error=restrict"
fi
cmake --build "$build" --target facteur facteur-smtp-load facteur-pop3-load -j "$(nproc)"

# The machine may be shared (other builds, other tests): every server and load generator of the
# run inherits a higher CPU priority, the same for Facteur, Postfix and Dovecot.
exec nice -n "${BENCH_NICE:--10}" python3 "$root/bench/driver.py" --build "$build" "${args[@]}"
