#!/usr/bin/env bash
# The filter benchmark (docs/benchmarks.md, "## Filter"): Facteur's filter, SpamAssassin 4.0 and
# rspamd 3.4 trained on the train parts of ../shared/corpora and measured on the test parts.
#   bench/filter/run.sh [BUILD_DIR]      (default: build; needs facteur and facteur-filter-bench)
# Installs spamassassin, rspamd and redis-server from Debian if they are missing. Everything
# listens on 127.0.0.1 only and is stopped at the end. Results: $OUT (default /tmp/facteur-filter-bench).
# ONLY=facteur or ONLY=others runs one half (e.g. to repeat Facteur's after a change).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
corpora=${CORPORA:-$repo/../shared/corpora}
out=${OUT:-/tmp/facteur-filter-bench}
only=${ONLY:-}
mkdir -p "$out"

if ! command -v spamd >/dev/null || ! command -v rspamd >/dev/null || ! command -v redis-server >/dev/null; then
  echo "== installing spamassassin, rspamd, redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq spamassassin spamc rspamd redis-server >/dev/null
fi

load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"; }

if [ "$only" != others ]; then
  echo "== Facteur ($(date -u +%H:%M) UTC, $(load))"
  rm -rf "$out/facteur" "$out/facteur.json"
  "$build/bench/filter/facteur-filter-bench" --corpora "$corpora" --work "$out/facteur" \
    --facteur "$build/facteur" --json "$out/facteur.json"
  echo "   done at $(date -u +%H:%M) UTC, $(load)"
fi

if [ "$only" != facteur ]; then
  echo "== SpamAssassin and rspamd ($(date -u +%H:%M) UTC, $(load))"
  rm -rf "$out/others" "$out/others.json"
  python3 "$here/compare.py" --corpora "$corpora" --work "$out/others" --json "$out/others.json"
  echo "   done at $(date -u +%H:%M) UTC, $(load)"
fi
