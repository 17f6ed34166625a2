#!/usr/bin/env bash
# Installs the Restate server from npm (@restatedev/restate-server and its linux-x64 binary package) into
# load-tests/peers/target/restate-server/ (git-ignored, never committed) and prints the binary's path.
#   load-tests/peers/install-restate.sh [VERSION]      default 1.7.12
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${1:-1.7.12}"
dir="$here/target/restate-server"
bin="$dir/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server"
if [ ! -x "$bin" ] || ! "$bin" --version 2>/dev/null | grep -q " $version\$"; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"restate-server-local","private":true}' > "$dir/package.json"
  echo "[peers] npm install @restatedev/restate-server@$version into $dir ..." >&2
  # --ignore-scripts: the package's only install script is a telemetry ping (@scarf/scarf)
  (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts "@restatedev/restate-server@$version") >&2
fi
"$bin" --version >&2
echo "$bin"
