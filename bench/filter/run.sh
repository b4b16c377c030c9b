#!/usr/bin/env bash
# The filter benchmark (docs/benchmarks.md, "## Filter"): Facteur's filter, SpamAssassin 4.0 and
# rspamd 3.4 trained on the train parts of ../shared/corpora and measured on the test parts.
#   bench/filter/run.sh [BUILD_DIR]      (default: build; needs facteur and facteur-filter-bench)
# Installs spamassassin, rspamd and redis-server from Debian if they are missing. Everything
# listens on 127.0.0.1 only and is stopped at the end. Results: $OUT (default /tmp/facteur-filter-bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
corpora=${CORPORA:-$repo/../shared/corpora}
out=${OUT:-/tmp/facteur-filter-bench}
rm -rf "$out"
mkdir -p "$out"

if ! command -v spamd >/dev/null || ! command -v rspamd >/dev/null || ! command -v redis-server >/dev/null; then
  echo "== installing spamassassin, rspamd, redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq spamassassin spamc rspamd redis-server >/dev/null
fi

echo "== Facteur"
"$build/bench/filter/facteur-filter-bench" --corpora "$corpora" --work "$out/facteur" \
  --facteur "$build/facteur" --json "$out/facteur.json"

echo "== SpamAssassin and rspamd"
python3 "$here/compare.py" --corpora "$corpora" --work "$out/others" --json "$out/others.json"
