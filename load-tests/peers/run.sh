#!/usr/bin/env bash
# One peer of Stepstream as three processes on this machine, measured with the same closed-loop client:
#   restate: restate-server 1.7.12 (npm) | the Restate Java SDK service (Noop3) | the load client JVM
#   dbos:    PostgreSQL 15 (Debian)      | DBOS Transact Java service + HTTP    | the load client JVM
#
#   load-tests/peers/run.sh restate --concurrency 64 --runs 20000 [--warmup 2000] [--warmup-s 20] [--timeout-s 60] [--out FILE]
#   load-tests/peers/run.sh dbos --concurrency 1 --runs 50 --warmup 50 --warmup-s 0      a quick smoke check
#   load-tests/peers/run.sh table --results load-tests/results --concurrency 1,64,256 --out load-tests/results/peers.md
#                                             the side-by-side table of peers-<system>-c<C>.json (PeersTable)
#
# Warm-up: batches of --warmup runs (default 2000) until --warmup-s seconds (default 20) passed; then --runs
# measured runs. Prints ClosedLoopResult.summaryLine and writes load-tests/results/peers-<system>-c<C>.json.
# Everything runs on 127.0.0.1 on free ports with data in fresh temp dirs; everything started is stopped by
# PID (PostgreSQL through pg_ctl and its data dir) and the temp dirs are removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

system="${1:-}"; shift || true
case "$system" in restate|dbos|table) ;; *) echo "usage: $0 restate|dbos --concurrency C --runs N [--warmup N] [--warmup-s S] [--timeout-s S] [--out FILE] | $0 table [PeersTable options]" >&2; exit 2 ;; esac
table_args=()
if [ "$system" = table ]; then table_args=("$@"); set --; fi
concurrency=1; runs=1000; warmup=2000; warmup_s=20; timeout_s=60; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --concurrency) concurrency="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --warmup-s) warmup_s="$2"; shift 2 ;;
    --timeout-s) timeout_s="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
out="${out:-$root/load-tests/results/peers-$system-c$concurrency.json}"
log() { echo "[peers] $*" >&2; }

# --- build (when sources changed): the closed-loop driver into the local repository, then this standalone project ---
stamp="$here/target/built.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find "$here" -path "$here/target" -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.xml' -o -name '*.properties' \) -newer "$stamp" -print -quit)" ] \
   || [ -n "$(find "$root/load-tests/closed-loop/src/main" "$root/load-tests/closed-loop/pom.xml" -newer "$stamp" -print -quit)" ]; then
  log "building load-tests/closed-loop (install) and load-tests/peers ..."
  (cd "$root" && { mvn -B -q -o install -pl load-tests/closed-loop -am -DskipTests || mvn -B -q install -pl load-tests/closed-loop -am -DskipTests; }) >&2
  (cd "$here" && { mvn -B -q -o -DskipTests package || mvn -B -q -DskipTests package; }) >&2
  mkdir -p "$here/target" && touch "$stamp"
fi
cp_of() { echo "$here/$1/target/classes:$(cat "$here/$1/target/classpath.txt")"; }
if [ "$system" = table ]; then
  exec java -cp "$(cp_of client)" io.stepstream.peers.client.PeersTable "${table_args[@]}"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# --- processes started here, stopped on any exit ---
pids=()
tmp="$(mktemp -d -t stepstream-peers-XXXXXX)"
pg_data=""
cleanup() {
  local rc=$?
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waits until "$2" appears in file "$1" (a process's stdout), or fails after $3 seconds; $4 is the process's PID
wait_for_line() {
  local file="$1" text="$2" secs="$3" pid="$4"
  for _ in $(seq 1 $((secs * 10))); do
    grep -q "$text" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited:"; tail -20 "$file" "${file%.out}.err" >&2 2>/dev/null || true; return 1; }
    sleep 0.1
  done
  log "no '$text' in $file after ${secs}s"; tail -20 "$file" >&2; return 1
}
# waits until curl gets a 2xx from "$1"
wait_for_http() {
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  log "$1 not reachable after 30 s"; return 1
}

java_opts=(-XX:+UseG1GC -Xms512m -Xmx2g) # the same for every service and client JVM of the peers

start_restate() {
  local bin; bin="$("$here/install-restate.sh" 1.7.12)"
  local node_port admin_port ingress_port svc_port
  node_port="$(free_port)"; admin_port="$(free_port)"; ingress_port="$(free_port)"; svc_port="$(free_port)"
  # The server's recommended single-node configuration: defaults, which keep the log-server's and Bifrost's
  # RocksDB WAL fsync on (rocksdb-disable-wal-fsync = false); only addresses, data dir and telemetry changed.
  cat > "$tmp/restate.toml" <<TOML
cluster-name = "stepstream-peers"
node-name = "peers-node"
base-dir = "$tmp/restate-data"
listen-mode = "tcp"
bind-address = "127.0.0.1:$node_port"
advertised-address = "http://127.0.0.1:$node_port/"
disable-telemetry = true
log-filter = "warn"

[admin]
bind-address = "127.0.0.1:$admin_port"
advertised-address = "http://127.0.0.1:$admin_port/"

[ingress]
bind-address = "127.0.0.1:$ingress_port"
advertised-address = "http://127.0.0.1:$ingress_port/"
TOML
  "$bin" --config-file "$tmp/restate.toml" --no-logo > "$tmp/restate-server.out" 2> "$tmp/restate-server.err" &
  pids+=($!); log "restate-server pid $! (ingress 127.0.0.1:$ingress_port, admin 127.0.0.1:$admin_port, node 127.0.0.1:$node_port)"
  wait_for_http "http://127.0.0.1:$admin_port/health"
  wait_for_http "http://127.0.0.1:$ingress_port/restate/health"

  java "${java_opts[@]}" -cp "$(cp_of restate)" io.stepstream.peers.restate.RestateServiceMain --port "$svc_port" \
    > "$tmp/service.out" 2> "$tmp/service.err" &
  pids+=($!); log "restate service pid $! (127.0.0.1:$svc_port)"
  wait_for_line "$tmp/service.out" RESTATE_SERVICE_READY 60 "$!"

  curl -fsS -X POST "http://127.0.0.1:$admin_port/deployments" -H 'content-type: application/json' \
    -d "{\"uri\":\"http://127.0.0.1:$svc_port\"}" > "$tmp/register.json"
  log "registered: $(head -c 300 "$tmp/register.json")"
  # the ingress learns of the deployment asynchronously: wait until one call goes through
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null -X POST "http://127.0.0.1:$ingress_port/Noop3/run" -H 'content-type: application/json' -d '"ready"' 2>/dev/null && break
    sleep 0.1
  done
  url="http://127.0.0.1:$ingress_port"
  admin_url="http://127.0.0.1:$admin_port"
}

# What the server stored, read back after the measurement: proof that the runs went through Restate's journal.
report_restate() {
  log "restate stored: $(curl -sS -X POST "$admin_url/query" -H 'content-type: application/json' -H 'accept: application/json' \
    -d '{"query":"SELECT status, count(*) AS invocations FROM sys_invocation GROUP BY status"}' | head -c 400)"
  log "restate journal: $(curl -sS -X POST "$admin_url/query" -H 'content-type: application/json' -H 'accept: application/json' \
    -d '{"query":"SELECT entry_type, count(*) AS entries FROM sys_journal GROUP BY entry_type ORDER BY entry_type"}' | head -c 600)"
}

pg_bin=/usr/lib/postgresql/15/bin
# PostgreSQL refuses to run as root: run its tools as the postgres user then
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_dbos() {
  [ -x "$pg_bin/postgres" ] || { log "PostgreSQL 15 missing: apt-get install -y postgresql-15"; exit 1; }
  local pg_port svc_port pg_dir
  pg_port="$(free_port)"; svc_port="$(free_port)"
  pg_dir="$tmp/pg"; mkdir -p "$pg_dir"; chmod 755 "$tmp"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir"
  pg_data="$pg_dir/data"
  as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 > "$pg_dir/initdb.log" 2>&1
  # PostgreSQL's durable defaults (fsync = on, synchronous_commit = on, full_page_writes = on); loopback only
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -w -t 60 start \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_dir" > /dev/null
  log "postgres pid $(head -1 "$pg_data/postmaster.pid") (127.0.0.1:$pg_port, data $pg_data)"
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres dbos_noop3
  log "postgres settings: $(as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d dbos_noop3 -Atc \
    "select string_agg(name || '=' || setting, ' ' order by name) from pg_settings where name in ('fsync','synchronous_commit','wal_sync_method','full_page_writes','max_connections','shared_buffers','server_version')")"

  java "${java_opts[@]}" -cp "$(cp_of dbos)" io.stepstream.peers.dbos.DbosServiceMain --port "$svc_port" \
    --jdbc-url "jdbc:postgresql://127.0.0.1:$pg_port/dbos_noop3" --user postgres --password "" \
    > "$tmp/service.out" 2> "$tmp/service.err" &
  pids+=($!); log "dbos service pid $! (127.0.0.1:$svc_port)"
  wait_for_line "$tmp/service.out" DBOS_SERVICE_READY 120 "$!"
  url="http://127.0.0.1:$svc_port"
  psql_dbos=(as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d dbos_noop3 -Atc)
}

# What DBOS stored, read back after the measurement: one workflow_status row per run, one operation_outputs row per step.
report_dbos() {
  log "dbos stored: workflows by status: $("${psql_dbos[@]}" "select string_agg(status || '=' || n, ' ') from (select status, count(*) n from dbos.workflow_status group by status) s")," \
    "step outputs: $("${psql_dbos[@]}" "select count(*) from dbos.operation_outputs")"
}

url=""; admin_url=""; psql_dbos=()
"start_$system"
log "load average before the client: $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
java "${java_opts[@]}" -cp "$(cp_of client)" io.stepstream.peers.client.PeerLoadClient --system "$system" --url "$url" \
  --concurrency "$concurrency" --runs "$runs" --warmup "$warmup" --warmup-s "$warmup_s" --timeout-s "$timeout_s" --out "$out"
rc=$?
"report_$system" || log "could not read back what $system stored"
set -e
if [ $rc -ne 0 ]; then
  log "client exit code $rc; service stderr:"; tail -20 "$tmp/service.err" >&2 || true
fi
exit $rc
