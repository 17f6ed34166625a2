#!/usr/bin/env bash
# A real 3-node Kafka cluster (KRaft) and 2 Stepstream engines on this machine, loopback only.
#
#   deploy/local/cluster.sh start [--dir DIR] [--broker-ports P1,P2,P3] [--controller-ports C1,C2,C3]
#                                 [--jar stepstream.jar] [--workflows JAR] [--owner-pid PID]
#   deploy/local/cluster.sh status | stop                      [--dir DIR]
#   deploy/local/cluster.sh kill-broker N | restart-broker N    [--dir DIR]   (N = 1..3)
#   deploy/local/cluster.sh kill-engine N | restart-engine N    [--dir DIR]   (N = 1..2)
#
# Everything lives in one directory (--dir, else a new temp dir; later commands without --dir use
# the cluster started last from this checkout). See deploy/local/README.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
LAST_DIR_FILE="$SCRIPT_DIR/.last-cluster-dir"

BROKERS=3
ENGINES=2
TOPIC_PREFIX=stepstream
APPLICATION_ID=stepstream-engine
BROKER_READY_TIMEOUT=${BROKER_READY_TIMEOUT:-120}
ENGINE_READY_TIMEOUT=${ENGINE_READY_TIMEOUT:-180}
# SIGTERM first (engines commit and leave the group, brokers move leadership away); SIGKILL after this.
STOP_GRACE=${STOP_GRACE:-30}
# Small heaps: 5 JVMs share this machine. C1 only and the serial collector leave out the C2 compiler
# and GC threads that would compete for 2 cores; tens of runs per second need no peak performance,
# and the JVMs start sooner.
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
ENGINE_JAVA_OPTS=${ENGINE_JAVA_OPTS:--Xmx768m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "[$(date +%H:%M:%S)] $*"; }

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

# ---------------------------------------------------------------------------------------------
# processes: started in the background with their output in DIR/logs, PIDs in DIR/pids

pid_file() { echo "$DIR/pids/$1.pid"; }

# Alive, not a zombie, and still ours: a PID recorded long ago may have been reused by another
# process, so it must still have this cluster's directory on its command line before we signal it.
is_ours() {
  local pid=$1 state
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ $state != Z ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR"
}

# The PID of a running process of this cluster (broker-1, engine-2, ...), or nothing.
running_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if is_ours "$pid"; then echo "$pid"; fi
}

# launch NAME COMMAND...: the command in the background, detached from this shell's input and
# output (so a caller reading our output is not held open by it), immune to the terminal's hangup.
launch() {
  local name=$1; shift
  local log="$DIR/logs/$name.log"
  # one log per process across restarts; a marker line separates its lives
  echo "=== $name started $(date '+%F %T')" >> "$log"
  nohup "$@" >> "$log" 2>&1 < /dev/null &
  echo $! > "$(pid_file "$name")"
}

# signal_and_wait SIGNAL SECONDS NAME...: returns 1 if any is still alive after SECONDS.
signal_and_wait() {
  local signal=$1 seconds=$2; shift 2
  local name pid pids=()
  for name in "$@"; do
    pid=$(running_pid "$name")
    if [[ -n $pid ]]; then
      kill "-$signal" "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + seconds))
  while :; do
    local alive=0
    for pid in "${pids[@]+"${pids[@]}"}"; do
      if is_ours "$pid"; then alive=1; fi
    done
    ((alive)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# stop_processes NAME...: SIGTERM, then SIGKILL what is left after the grace period.
stop_processes() {
  if ! signal_and_wait TERM "$STOP_GRACE" "$@"; then
    say "still running after ${STOP_GRACE} s: SIGKILL"
    signal_and_wait KILL 10 "$@" || die "could not kill $*"
  fi
}

log_tail() {
  local log="$DIR/logs/$1.log"
  echo "----- last lines of $log"
  tail -n "${2:-30}" "$log" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# the cluster's settings, chosen once at the first start and kept in DIR/cluster.env

load_env() {
  [[ -f $DIR/cluster.env ]] || die "$DIR is not a cluster directory (no cluster.env): start one first"
  # shellcheck disable=SC1091
  source "$DIR/cluster.env"
  # shellcheck disable=SC1091
  source "$DIR/jars.env"
  IFS=, read -r -a BROKER_PORT <<< "$BROKER_PORTS"
  IFS=, read -r -a CONTROLLER_PORT <<< "$CONTROLLER_PORTS"
  # a cluster dir from before engines got their own HTTP ports: any free port
  IFS=, read -r -a ENGINE_HTTP_PORT <<< "${ENGINE_HTTP_PORTS:-0,0}"
  BOOTSTRAP=$(for i in 0 1 2; do printf '127.0.0.1:%s\n' "${BROKER_PORT[$i]}"; done | paste -sd, -)
}

probe() {
  # compiled once per cluster directory (javac against the big jar takes seconds)
  if [[ ! $DIR/bin/ClusterProbe.class -nt $SCRIPT_DIR/ClusterProbe.java ]]; then
    mkdir -p "$DIR/bin"
    javac -nowarn -cp "$JAR" -d "$DIR/bin" "$SCRIPT_DIR/ClusterProbe.java"
  fi
  java -cp "$JAR:$DIR/bin" ClusterProbe "$@"
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (kafka-storage.sh random-uuid).
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    # Kafka never hands out ids starting with '-' (they read as a command-line option)
    [[ $id == -* ]] || { echo "$id"; return; }
  done
}

check_jars() {
  [[ -f $JAR ]] || die "no $JAR: build it with 'mvn -B -pl cli -am package -Dmaven.test.skip=true' (or pass --jar)"
  [[ -f $WORKFLOWS ]] || die "no workflows jar $WORKFLOWS: build examples/workflows (the command above does) or pass --workflows"
}

default_workflows_jar() {
  local jar
  for jar in "$REPO_ROOT"/examples/workflows/target/stepstream-example-workflows-*.jar; do
    case $jar in *-sources.jar|*-javadoc.jar|*-tests.jar) continue ;; esac
    echo "$jar"; return
  done
  echo "$REPO_ROOT/examples/workflows/target/stepstream-example-workflows.jar"
}

write_env() {
  local ports brokers controllers https
  ports=$(probe free-ports 8)
  brokers=${OPT_BROKER_PORTS:-$(cut -d, -f1-3 <<< "$ports")}
  controllers=${OPT_CONTROLLER_PORTS:-$(cut -d, -f4-6 <<< "$ports")}
  [[ $brokers =~ ^[0-9]+,[0-9]+,[0-9]+$ ]] || die "--broker-ports needs 3 ports, e.g. 9092,9093,9094"
  [[ $controllers =~ ^[0-9]+,[0-9]+,[0-9]+$ ]] || die "--controller-ports needs 3 ports, e.g. 9192,9193,9194"
  # each engine's /health and /metrics (the engine command binds 127.0.0.1:8080 by default: two would collide)
  https=$(cut -d, -f7-8 <<< "$ports")
  cat > "$DIR/cluster.env" <<EOF
# written by cluster.sh start; read by every other command
CLUSTER_ID=$(new_cluster_id)
BROKER_PORTS=$brokers
CONTROLLER_PORTS=$controllers
ENGINE_HTTP_PORTS=$https
EOF
}

# ---------------------------------------------------------------------------------------------
# brokers

broker_properties() {
  local n=$1 voters i
  voters=$(for i in 1 2 3; do printf '%s@127.0.0.1:%s\n' "$i" "${CONTROLLER_PORT[$((i - 1))]}"; done | paste -sd, -)
  cat <<EOF
# broker $n of 3, written by cluster.sh start
# Every node is broker and controller ("combined" mode): 3 JVMs instead of 6. A production
# cluster runs separate controllers; for what this cluster is for (losing a node) it is the same.
process.roles=broker,controller
node.id=$n
# A static quorum of 3 voters: it keeps a majority (2) with any one node down.
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT[$((n - 1))]},CONTROLLER://127.0.0.1:${CONTROLLER_PORT[$((n - 1))]}
advertised.listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT[$((n - 1))]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DIR/broker-$n/data

# Durability. Every partition has 3 replicas, and a write with acks=all (every Stepstream client
# and engine) succeeds only once 2 of them have it. So with one broker down writes go on (2 are
# in sync), and an acknowledged write survives losing any one broker. With min ISR 1 a write
# acknowledged by a lone leader would be lost with it; with min ISR 3 one broker down would stop
# every write. Unclean leader election stays off (the default): an out-of-sync replica never
# becomes leader, which would silently drop acknowledged writes.
default.replication.factor=3
min.insync.replicas=2
# The same for Kafka's own topics: committed consumer offsets, and the transaction log the
# engines' exactly-once transactions depend on (their defaults are RF 3, but min ISR 1 for transactions).
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
# 50 partitions each by default, 150 replicas per broker to create and load at start; a handful
# of groups and transactional ids need far fewer.
offsets.topic.num.partitions=12
transaction.state.log.num.partitions=12
# Engines create their topics (with RF 3, min ISR 2); a mistyped topic name must fail, not appear.
auto.create.topics.enable=false

# Failover speed. A broker killed with SIGKILL keeps leading its partitions, and stays in their
# ISR, until the controller fences it: broker.session.timeout.ms without a heartbeat (default 9 s).
# Until then writes to those partitions wait, and an engine transaction that waits past its
# timeout (5 s plus two commit intervals by default) is aborted and redone. 3 s keeps most of them.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
# An engine killed mid-transaction holds read_committed readers of the partitions it wrote (result
# readers among them) until the coordinator aborts its transaction after the timeout, at the next
# cleanup pass: every 10 s by default, every second here.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
EOF
}

start_broker() {
  local n=$1
  mkdir -p "$DIR/broker-$n"
  broker_properties "$n" > "$DIR/broker-$n/server.properties"
  # shellcheck disable=SC2086
  launch "broker-$n" java $BROKER_JAVA_OPTS \
    -Dstepstream.log.kafka=INFO \
    -cp "$JAR" kafka.Kafka "$DIR/broker-$n/server.properties"
}

# Formats the brokers not formatted yet (all at the first start), with the cluster id of cluster.env.
format_storage() {
  local n todo=()
  for n in 1 2 3; do
    if [[ -f $DIR/broker-$n/data/meta.properties ]]; then continue; fi
    mkdir -p "$DIR/broker-$n"
    broker_properties "$n" > "$DIR/broker-$n/server.properties"
    todo+=("$DIR/broker-$n/server.properties")
  done
  if ((${#todo[@]} > 0)); then
    say "formatting the storage of ${#todo[@]} broker(s) (KRaft, cluster id $CLUSTER_ID)"
    probe format "$CLUSTER_ID" "${todo[@]}" > "$DIR/logs/format.log" 2>&1 \
      || die "formatting broker storage failed: $(cat "$DIR/logs/format.log")"
  fi
}

await_brokers() {
  local ids=$1 n
  if ! probe await-brokers "$BOOTSTRAP" "$ids" "$BROKER_READY_TIMEOUT"; then
    for n in ${ids//,/ }; do log_tail "broker-$n"; done
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# engines

start_engine() {
  local n=$1
  mkdir -p "$DIR/engine-$n"
  # shellcheck disable=SC2086
  (cd "$DIR/engine-$n" && launch "engine-$n" java $ENGINE_JAVA_OPTS \
    -Dstepstream.log.streams=INFO \
    -jar "$JAR" engine \
    --workflows "$WORKFLOWS" \
    --bootstrap-servers "$BOOTSTRAP" \
    --topic-prefix "$TOPIC_PREFIX" \
    --application-id "$APPLICATION_ID" \
    --state-dir "$DIR/engine-$n/state" \
    --data-dir "$DIR/engine-$n" \
    --replication-factor 3 \
    --http-bind "127.0.0.1:${ENGINE_HTTP_PORT[$((n - 1))]}" \
    --approval-secret-file "$DIR/approval-secret")
  # the ready line of this life is after the last start marker
  wc -l < "$DIR/logs/engine-$n.log" > "$DIR/engine-$n/log-offset"
}

# await_engines N...: until each prints "stepstream engine ready" (its tasks are RUNNING, state
# restored), or dies, or the timeout passes.
await_engines() {
  local deadline=$((SECONDS + ENGINE_READY_TIMEOUT)) n pending
  while :; do
    pending=()
    for n in "$@"; do
      if tail -n +"$(cat "$DIR/engine-$n/log-offset")" "$DIR/logs/engine-$n.log" | grep -q "stepstream engine ready"; then
        continue
      fi
      if [[ -z $(running_pid "engine-$n") ]]; then
        log_tail "engine-$n" 40
        echo "engine $n exited before it was ready" >&2
        return 1
      fi
      pending+=("$n")
    done
    ((${#pending[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      for n in "${pending[@]}"; do log_tail "engine-$n" 40; done
      echo "engines ${pending[*]} not ready within ${ENGINE_READY_TIMEOUT} s" >&2
      return 1
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_start() {
  if [[ -z $OPT_DIR ]]; then
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/stepstream-local.XXXXXX")
  else
    mkdir -p "$OPT_DIR"
    DIR=$(cd "$OPT_DIR" && pwd)
  fi
  mkdir -p "$DIR/logs" "$DIR/pids"
  echo "$DIR" > "$LAST_DIR_FILE"
  local name n
  for name in broker-1 broker-2 broker-3 engine-1 engine-2; do
    [[ -z $(running_pid "$name") ]] || die "$name is already running in $DIR (cluster.sh status / stop)"
  done

  JAR=${OPT_JAR:-${STEPSTREAM_JAR:-$REPO_ROOT/cli/target/stepstream.jar}}
  WORKFLOWS=${OPT_WORKFLOWS:-${STEPSTREAM_WORKFLOWS:-$(default_workflows_jar)}}
  JAR=$(realpath "$JAR" 2>/dev/null || echo "$JAR")
  WORKFLOWS=$(realpath "$WORKFLOWS" 2>/dev/null || echo "$WORKFLOWS")
  check_jars
  # the jars of the latest start, for restart-broker/-engine
  printf 'JAR=%q\nWORKFLOWS=%q\n' "$JAR" "$WORKFLOWS" > "$DIR/jars.env"
  if [[ ! -f $DIR/cluster.env ]]; then
    write_env
  fi
  load_env
  # Engines outside dev mode sign approval tokens with a secret every instance shares.
  if [[ ! -f $DIR/approval-secret ]]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/approval-secret")
  fi

  local started=$SECONDS
  format_storage
  say "starting brokers 1-3 (client ports $BROKER_PORTS, controller ports $CONTROLLER_PORTS)"
  for n in 1 2 3; do start_broker "$n"; done
  if ! await_brokers 1,2,3; then
    stop_all
    die "the brokers did not all come up; logs in $DIR/logs"
  fi
  say "brokers serving after $((SECONDS - started)) s; starting engines 1-2"
  for n in 1 2; do start_engine "$n"; done
  if ! await_engines 1 2; then
    stop_all
    die "the engines did not become ready; logs in $DIR/logs"
  fi
  if [[ -n $OPT_OWNER_PID ]]; then start_watchdog "$OPT_OWNER_PID"; fi
  say "cluster ready after $((SECONDS - started)) s"
  echo "$BOOTSTRAP" > "$DIR/bootstrap.servers"
  print_summary
}

print_summary() {
  cat <<EOF
bootstrap servers: $BOOTSTRAP
cluster dir:       $DIR (logs in logs/, PIDs in pids/, approval secret in approval-secret)
topics:            $TOPIC_PREFIX.* (application id $APPLICATION_ID)
try:               java -jar $JAR start support-triage --wait --bootstrap-servers $BOOTSTRAP \\
                     --input '{"id":"T-1","customer":"ada","text":"refund please"}'
EOF
}

# --owner-pid: stop the cluster when that process is gone (a test run that dies must not leave 5
# JVMs behind on a shared machine).
start_watchdog() {
  local owner=$1
  nohup bash "${BASH_SOURCE[0]}" _watch "$owner" --dir "$DIR" >> "$DIR/logs/watchdog.log" 2>&1 < /dev/null &
  echo $! > "$(pid_file watchdog)"
}

cmd_watch() {
  local owner=$1
  while [[ -d /proc/$owner ]] && [[ $(sed 's/^.*) //' "/proc/$owner/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; do
    sleep 2
  done
  say "owner process $owner is gone: stopping the cluster"
  rm -f "$(pid_file watchdog)"
  cmd_stop
}

stop_all() {
  # engines first: they commit and leave the group while the brokers are still there
  stop_processes engine-1 engine-2
  stop_processes broker-1 broker-2 broker-3
}

cmd_stop() {
  load_env
  local pid
  pid=$(cat "$(pid_file watchdog)" 2>/dev/null || true)
  if [[ -n $pid ]] && is_ours "$pid"; then kill "$pid" 2>/dev/null || true; fi
  rm -f "$(pid_file watchdog)"
  say "stopping engines, then brokers (SIGTERM, SIGKILL after ${STOP_GRACE} s)"
  stop_all
  say "stopped; data kept in $DIR (start --dir $DIR starts it again, rm -rf it to throw it away)"
}

cmd_status() {
  load_env
  local name pid running=0
  echo "cluster dir: $DIR"
  echo "bootstrap servers: $BOOTSTRAP"
  for name in broker-1 broker-2 broker-3 engine-1 engine-2; do
    pid=$(running_pid "$name")
    if [[ -n $pid ]]; then
      if [[ $name == engine-* ]]; then
        echo "$name: running (pid $pid), health and metrics on http://127.0.0.1:${ENGINE_HTTP_PORT[$((${name#engine-} - 1))]}"
      else
        echo "$name: running (pid $pid)"
      fi
      [[ $name == broker-* ]] && running=1
    else
      echo "$name: not running"
    fi
  done
  if ((running)); then probe describe "$BOOTSTRAP" || true; fi
}

check_n() {
  local kind=$1 n=$2 max=$3
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= max)) || die "$kind number must be 1..$max, was '$n'"
}

cmd_kill() {
  local kind=$1 n=$2 pid
  load_env
  pid=$(running_pid "$kind-$n")
  [[ -n $pid ]] || die "$kind-$n is not running"
  signal_and_wait KILL 10 "$kind-$n" || die "$kind-$n (pid $pid) survived SIGKILL"
  say "SIGKILL $kind-$n (pid $pid)"
}

cmd_restart_broker() {
  local n=$1 started=$SECONDS
  load_env
  [[ -z $(running_pid "broker-$n") ]] || die "broker-$n is running (kill-broker $n first)"
  start_broker "$n"
  await_brokers "$n" || die "broker-$n did not come back"
  say "broker-$n (pid $(running_pid "broker-$n")) serving again after $((SECONDS - started)) s"
}

cmd_restart_engine() {
  local n=$1 started=$SECONDS
  load_env
  [[ -z $(running_pid "engine-$n") ]] || die "engine-$n is running (kill-engine $n first)"
  start_engine "$n"
  await_engines "$n" || die "engine-$n did not become ready"
  say "engine-$n (pid $(running_pid "engine-$n")) ready again after $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------------------------

[[ $# -ge 1 ]] || usage
COMMAND=$1; shift
ARGS=()
OPT_DIR='' OPT_JAR='' OPT_WORKFLOWS='' OPT_BROKER_PORTS='' OPT_CONTROLLER_PORTS='' OPT_OWNER_PID=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --dir) OPT_DIR=$2; shift 2 ;;
    --jar) OPT_JAR=$2; shift 2 ;;
    --workflows) OPT_WORKFLOWS=$2; shift 2 ;;
    --broker-ports) OPT_BROKER_PORTS=$2; shift 2 ;;
    --controller-ports) OPT_CONTROLLER_PORTS=$2; shift 2 ;;
    --owner-pid) OPT_OWNER_PID=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) die "unknown option $1" ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

if [[ $COMMAND != start ]]; then
  if [[ -n $OPT_DIR ]]; then
    DIR=$(cd "$OPT_DIR" 2>/dev/null && pwd) || die "no directory $OPT_DIR"
  elif [[ -f $LAST_DIR_FILE ]]; then
    DIR=$(cat "$LAST_DIR_FILE")
  else
    die "which cluster? pass --dir DIR (start prints it)"
  fi
fi

case $COMMAND in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill-broker) check_n broker "${ARGS[0]:-}" "$BROKERS"; cmd_kill broker "${ARGS[0]}" ;;
  kill-engine) check_n engine "${ARGS[0]:-}" "$ENGINES"; cmd_kill engine "${ARGS[0]}" ;;
  restart-broker) check_n broker "${ARGS[0]:-}" "$BROKERS"; cmd_restart_broker "${ARGS[0]}" ;;
  restart-engine) check_n engine "${ARGS[0]:-}" "$ENGINES"; cmd_restart_engine "${ARGS[0]}" ;;
  _watch) cmd_watch "${ARGS[0]}" ;;
  -h|--help|help) usage ;;
  *) die "unknown command $COMMAND (start, status, stop, kill-broker N, restart-broker N, kill-engine N, restart-engine N)" ;;
esac
