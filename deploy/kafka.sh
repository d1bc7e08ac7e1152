#!/usr/bin/env bash
# deploy/kafka.sh — fetch, configure, start and stop a local single-node
# Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1 for the
# newsflow demo and integration tests.  Run `deploy/kafka.sh --help`.
#
# Everything it writes lives in the cache directory (outside the checkout):
#   $CACHE/kafka-<ver>/            pom.xml, lib/ (jars), config/ (log4j), .fetched
#   $CACHE/brokers/<port>/         server.properties, data/, broker.pid,
#                                  broker.log (log4j), broker.out (JVM stdout/stderr)
set -euo pipefail

readonly KAFKA_VERSION=3.9.1
readonly SCALA_VERSION=2.13
readonly SLF4J_VERSION=1.7.36
readonly DEP_PLUGIN_VERSION=3.6.1
readonly PROG=${0##*/}

# Exit codes.
readonly EXIT_OK=0 EXIT_FAIL=1 EXIT_USAGE=2 EXIT_NOT_RUNNING=3

usage() {
    cat <<EOF
Usage: $PROG [OPTIONS] COMMAND [COMMAND OPTIONS]

Runs local single-node Apache Kafka $KAFKA_VERSION brokers (KRaft mode, one
process acting as broker and controller) on 127.0.0.1 for the newsflow demo and
integration tests.  Several brokers can run at once on different ports.

Commands:
  fetch     Download kafka_$SCALA_VERSION:$KAFKA_VERSION, slf4j-reload4j:$SLF4J_VERSION and all
            their runtime dependencies with Maven into \$CACHE/kafka-$KAFKA_VERSION/lib
            and write the log4j configs.  A no-op once done (marker file
            \$CACHE/kafka-$KAFKA_VERSION/.fetched); delete that directory to refetch.
  start     Start a broker on --port (fetching first if needed), formatting its
            storage on first use, and wait until it accepts clients.  If a broker
            is already running on that port, says so and exits 0.
              --secure  also listen with SASL/PLAIN on port+2 (user newsflow,
                        password newsflow-secret) and TLS on port+3 (a self-signed
                        certificate for 127.0.0.1; its CA is written to
                        \$CACHE/brokers/<port>/secure/ca.pem), for tests of
                        credentials and certificates; kept by later starts
                        until the broker is wiped
  stop      Stop the broker on --port: SIGTERM, up to 30 s grace, then SIGKILL.
            Not running is not an error.
              --all    stop every broker under \$CACHE/brokers/
              --wipe   also delete the broker's state directory (data, logs,
                       config) so the next start gets a fresh, empty broker
  status    Print "<port> running pid=<pid> ..." or "<port> stopped".
              --all    one line per broker under \$CACHE/brokers/
            Exit 0 if (any) broker is running, 3 otherwise.
  logs      Print the tail of the broker's log (\$CACHE/brokers/<port>/broker.log).
              -n, --lines N   number of lines (default 100)
              -f, --follow    keep following (tail -F)

Options (accepted before or after the command):
  --port N              client (PLAINTEXT) port, default 9092
  --controller-port N   KRaft controller port, default port+1
  --cache DIR           cache/state root, default \${NEWSFLOW_CACHE:-\$HOME/.cache/newsflow}
                        (now: $(default_cache))
  --heap SIZE           broker JVM max heap (-Xmx), default 512m
  --timeout SECONDS     how long start waits for readiness, default 90
  -h, --help            show this help

State of a broker lives in \$CACHE/brokers/<port>/: server.properties, data/
(log.dirs), broker.pid, broker.log (log4j, INFO, rotated at 10 MB x 3) and
broker.out (JVM stdout/stderr).  The port pair <port>,<controller-port> must not
overlap with another broker's (9092 uses 9092+9093, so pick e.g. 19092 next).

Running a Java tool against a broker (jars are in the cache; only the broker's
classpath is fetched, so the CLIs that live in the separate kafka-tools artifact,
e.g. kafka-topics, are not available -- kafka.admin.* ones in the core jar are):
  java -Dlog4j.configuration=file:\$CACHE/kafka-$KAFKA_VERSION/config/tools-log4j.properties \\
       -cp "\$CACHE/kafka-$KAFKA_VERSION/lib/*" kafka.admin.BrokerApiVersionsCommand \\
       --bootstrap-server 127.0.0.1:9092

Exit codes: 0 ok, 1 failure, 2 usage error, 3 not running (status).
Environment: NEWSFLOW_CACHE (default cache), JAVA_HOME (java to use).
EOF
}

default_cache() { printf '%s\n' "${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}"; }

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit "$EXIT_FAIL"; }
usage_error() { log "$*"; log "try '$PROG --help'"; exit "$EXIT_USAGE"; }

# ---------------------------------------------------------------- options ---
COMMAND=""
PORT=9092
CONTROLLER_PORT=""
CACHE=""
HEAP=512m
TIMEOUT=90
ALL=0
WIPE=0
LINES=100
FOLLOW=0
SECURE=0

need_arg() { [[ $# -ge 2 && -n $2 ]] || usage_error "option $1 needs a value"; }
is_port() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h | --help) usage; exit "$EXIT_OK" ;;
            --port) need_arg "$@"; PORT=$2; shift 2 ;;
            --port=*) PORT=${1#*=}; shift ;;
            --controller-port) need_arg "$@"; CONTROLLER_PORT=$2; shift 2 ;;
            --controller-port=*) CONTROLLER_PORT=${1#*=}; shift ;;
            --cache) need_arg "$@"; CACHE=$2; shift 2 ;;
            --cache=*) CACHE=${1#*=}; shift ;;
            --heap) need_arg "$@"; HEAP=$2; shift 2 ;;
            --heap=*) HEAP=${1#*=}; shift ;;
            --timeout) need_arg "$@"; TIMEOUT=$2; shift 2 ;;
            --timeout=*) TIMEOUT=${1#*=}; shift ;;
            --all) ALL=1; shift ;;
            --wipe) WIPE=1; shift ;;
            --secure) SECURE=1; shift ;;
            -n | --lines) need_arg "$@"; LINES=$2; shift 2 ;;
            --lines=*) LINES=${1#*=}; shift ;;
            -f | --follow) FOLLOW=1; shift ;;
            -*) usage_error "unknown option: $1" ;;
            fetch | start | stop | status | logs)
                [[ -z $COMMAND ]] || usage_error "only one command allowed (got '$COMMAND' and '$1')"
                COMMAND=$1; shift ;;
            *) usage_error "unknown command: $1" ;;
        esac
    done
    [[ -n $COMMAND ]] || { usage >&2; exit "$EXIT_USAGE"; }

    is_port "$PORT" || usage_error "--port must be 1..65535, got '$PORT'"
    PORT=$((10#$PORT))
    if [[ -z $CONTROLLER_PORT ]]; then
        CONTROLLER_PORT=$((PORT + 1))
    fi
    is_port "$CONTROLLER_PORT" || usage_error "--controller-port must be 1..65535, got '$CONTROLLER_PORT'"
    CONTROLLER_PORT=$((10#$CONTROLLER_PORT))
    ((CONTROLLER_PORT != PORT)) || usage_error "--controller-port must differ from --port"
    [[ $HEAP =~ ^[0-9]+[kKmMgG]?$ ]] || usage_error "--heap must look like 512m or 1g, got '$HEAP'"
    if ! [[ $TIMEOUT =~ ^[0-9]+$ ]] || ((10#$TIMEOUT == 0)); then
        usage_error "--timeout must be a positive integer, got '$TIMEOUT'"
    fi
    TIMEOUT=$((10#$TIMEOUT))
    [[ $LINES =~ ^[0-9]+$ ]] || usage_error "--lines must be a number, got '$LINES'"
    if ((ALL)) && [[ $COMMAND != stop && $COMMAND != status ]]; then
        usage_error "--all only applies to stop and status"
    fi
    if ((WIPE)) && [[ $COMMAND != stop ]]; then
        usage_error "--wipe only applies to stop"
    fi
    if ((SECURE)) && [[ $COMMAND != start ]]; then
        usage_error "--secure only applies to start"
    fi

    [[ -n $CACHE ]] || CACHE=$(default_cache)
    [[ -n $CACHE ]] || die "empty cache directory"
    CACHE=$(realpath -m -- "$CACHE")
    [[ $CACHE != / ]] || die "refusing to use / as the cache directory"
    # The cache must stay outside the source checkout this script lives in.
    local repo
    repo=$(realpath -m -- "$(dirname -- "${BASH_SOURCE[0]}")/..")
    if [[ $CACHE == "$repo" || $CACHE == "$repo"/* ]]; then
        die "cache directory $CACHE is inside the checkout $repo; pick one outside it"
    fi

    KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
    LIB=$KAFKA_HOME/lib
    CONF=$KAFKA_HOME/config
    FETCH_MARKER=$KAFKA_HOME/.fetched
}

# ------------------------------------------------------------------ helpers ---
java_bin() {
    if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        die "java not found (install a JDK/JRE 11+ or set JAVA_HOME)"
    fi
}

# Milliseconds since the epoch (bash 5's EPOCHREALTIME, else date).
now_ms() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        local t=${EPOCHREALTIME/[.,]/}
        printf '%s\n' "${t:0:${#t}-3}"
    else
        date +%s%3N
    fi
}

# Format a duration given in milliseconds as seconds with one decimal.
fmt_ms() { printf '%d.%d' "$(($1 / 1000))" "$(($1 % 1000 / 100))"; }

state_dir() { printf '%s/brokers/%s\n' "$CACHE" "$1"; }

# Run Kafka tooling (StorageTool etc.) with warnings-only logging to stderr.
kafka_tool() {
    "$JAVA" -Xmx256m -Djava.awt.headless=true \
        -Dlog4j.configuration="file:$CONF/tools-log4j.properties" \
        -cp "$LIB/*" "$@"
}

# Is something accepting TCP connections on 127.0.0.1:$1?
port_open() {
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Print the pid of the broker for state dir $1 if it is alive (and really is
# our kafka.Kafka for that state dir, so a recycled pid is not mistaken for it).
# Returns 1 (printing nothing) otherwise.
live_pid() {
    local state=$1 pid cmdline
    [[ -f $state/broker.pid ]] || return 1
    pid=$(<"$state/broker.pid") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *kafka.Kafka*"$state/server.properties"* ]] || return 1
    printf '%s\n' "$pid"
}

# Take an exclusive lock on file $1 (released when the script exits or the fd
# is closed).  fd 8 guards the shared download, fd 9 a broker's state dir; the
# broker process is started with both closed so it never holds them.
lock_fetch() {
    mkdir -p -- "$CACHE"
    exec 8>"$CACHE/.fetch.lock"
    flock -w 900 8 || die "could not lock $CACHE/.fetch.lock within 900 s"
}
lock_state() {
    mkdir -p -- "$1"
    exec 9>"$1/.lock"
    flock -w 600 9 || die "could not lock $1/.lock within 600 s"
}

# Brokers (port numbers) that have a state directory under the cache.
known_ports() {
    local d
    for d in "$CACHE"/brokers/*/; do
        [[ -d $d ]] || continue
        d=${d%/}
        d=${d##*/}
        [[ $d =~ ^[0-9]+$ ]] && printf '%s\n' "$d"
    done | sort -n
}

# ------------------------------------------------------------------- fetch ---
write_pom() {
    cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by newsflow deploy/kafka.sh: only used to download the broker's jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>newsflow.deploy</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- The kafka_2.13 pom only brings slf4j-api; this is the single SLF4J
         binding (slf4j -> reload4j, i.e. log4j 1.2 API), as in Kafka's own tarball. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEP_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
}

write_log4j_configs() {
    mkdir -p -- "$CONF"
    # Broker: INFO to a size-capped rolling file in the broker's state dir
    # (-Dkafka.logs.dir=<state>).  The per-request and state-change loggers are
    # turned down so a long demo run does not produce huge logs.
    cat >"$CONF/log4j.properties" <<'EOF'
# Generated by newsflow deploy/kafka.sh (broker logging).
log4j.rootLogger=INFO, broker

log4j.appender.broker=org.apache.log4j.RollingFileAppender
log4j.appender.broker.File=${kafka.logs.dir}/broker.log
log4j.appender.broker.Append=true
log4j.appender.broker.MaxFileSize=10MB
log4j.appender.broker.MaxBackupIndex=2
log4j.appender.broker.layout=org.apache.log4j.PatternLayout
log4j.appender.broker.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
    # Command-line tools (StorageTool, ClusterTool, ...): warnings to stderr.
    cat >"$CONF/tools-log4j.properties" <<'EOF'
# Generated by newsflow deploy/kafka.sh (command-line tools logging).
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

cmd_fetch() {
    if [[ -f $FETCH_MARKER ]]; then
        log "Kafka $KAFKA_VERSION already fetched in $LIB"
        return 0
    fi
    lock_fetch
    if [[ -f $FETCH_MARKER ]]; then # someone else fetched it while we waited
        log "Kafka $KAFKA_VERSION already fetched in $LIB"
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven) not found; install it (e.g. apt-get install maven)"
    JAVA=$(java_bin)

    log "fetching Kafka $KAFKA_VERSION (kafka_$SCALA_VERSION + slf4j-reload4j $SLF4J_VERSION and runtime deps) with Maven into $LIB"
    mkdir -p -- "$KAFKA_HOME"
    rm -rf -- "$LIB"
    write_pom
    local t0
    t0=$(now_ms)
    # Maven's output goes to a file: Debian's mvn prints stray ANSI codes even with -q.
    if ! mvn -q -B -f "$KAFKA_HOME/pom.xml" \
        dependency:copy-dependencies \
        -DoutputDirectory="$LIB" -DincludeScope=runtime >"$KAFKA_HOME/mvn.log" 2>&1; then
        tail -n 40 -- "$KAFKA_HOME/mvn.log" >&2
        die "Maven download failed (full output: $KAFKA_HOME/mvn.log)"
    fi
    write_log4j_configs

    # Sanity checks: the two entry points load, and there is exactly one SLF4J binding.
    local jar bindings=() n
    for jar in "$LIB"/*.jar; do
        if unzip_has "$jar" org/slf4j/impl/StaticLoggerBinder.class; then
            bindings+=("${jar##*/}")
        fi
    done
    ((${#bindings[@]} == 1)) || die "expected exactly one SLF4J binding in $LIB, found ${#bindings[@]}: ${bindings[*]:-none}"
    unzip_has "$LIB/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar" kafka/Kafka.class ||
        die "kafka.Kafka missing from $LIB"
    local out
    if ! out=$(kafka_tool kafka.tools.StorageTool random-uuid 2>&1); then
        die "classpath check (kafka.tools.StorageTool random-uuid) failed: $out"
    fi
    n=$(find "$LIB" -name '*.jar' | wc -l)
    printf '%s\n' "kafka_$SCALA_VERSION-$KAFKA_VERSION" >"$FETCH_MARKER"
    log "fetched $n jars ($(du -sh -- "$LIB" | cut -f1)) in $(fmt_ms $(($(now_ms) - t0))) s; SLF4J binding: ${bindings[0]}"
}

# Does zip/jar $1 contain entry $2?  (Uses the JDK's jar or unzip if present.)
unzip_has() {
    # (grep without -q: an early grep exit would SIGPIPE the lister under pipefail)
    if command -v unzip >/dev/null 2>&1; then
        unzip -Z1 -- "$1" 2>/dev/null | grep -xF -- "$2" >/dev/null
    elif command -v jar >/dev/null 2>&1; then
        jar tf "$1" 2>/dev/null | grep -xF -- "$2" >/dev/null
    else
        # Fall back to a raw search for the entry name in the zip directory.
        grep -qaF -- "$2" "$1"
    fi
}

# ------------------------------------------------------------------- start ---
# A self-signed key pair for the TLS listener (PKCS12 keystore) and its certificate as the
# CA clients trust, made with the JDK's keytool.
write_secure_material() {
    local secure=$1/secure keytool
    keytool=$(dirname -- "$JAVA")/keytool
    [[ -x $keytool ]] || keytool=$(command -v keytool) || die "keytool not found (it comes with the JDK/JRE)"
    mkdir -p -- "$secure"
    if [[ ! -f $secure/broker.p12 ]]; then
        "$keytool" -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
            -dname "CN=127.0.0.1" -ext "SAN=IP:127.0.0.1,DNS:localhost" \
            -keystore "$secure/broker.p12" -storetype PKCS12 \
            -storepass newsflow -keypass newsflow >/dev/null 2>&1 ||
            die "keytool could not make a key pair in $secure"
        "$keytool" -exportcert -rfc -alias broker -keystore "$secure/broker.p12" \
            -storepass newsflow -file "$secure/ca.pem" >/dev/null 2>&1 ||
            die "keytool could not export the certificate"
    fi
}

write_server_properties() {
    local state=$1
    local listeners="PLAINTEXT://127.0.0.1:$PORT"
    local protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if ((SECURE)); then
        listeners="$listeners,SASL_PLAINTEXT://127.0.0.1:$((PORT + 2)),SSL://127.0.0.1:$((PORT + 3))"
        protocols="$protocols,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL"
    fi
    cat >"$state/server.properties" <<EOF
# Generated by newsflow deploy/kafka.sh on each start; edits are overwritten.
# Single-node KRaft broker+controller on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$listeners
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols

log.dirs=$state/data
num.partitions=1
auto.create.topics.enable=false
delete.topic.enable=true

# One node: internal topics must not ask for more replicas than exist.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0

# Demo/test retention: one day, at most 1 GiB per partition, 64 MiB segments.
log.retention.hours=24
log.retention.bytes=1073741824
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
    if ((SECURE)); then
        cat >>"$state/server.properties" <<EOF

# --secure: SASL/PLAIN and TLS listeners for tests of credentials and certificates.
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="newsflow" password="newsflow-secret" user_newsflow="newsflow-secret";
ssl.keystore.type=PKCS12
ssl.keystore.location=$state/secure/broker.p12
ssl.keystore.password=newsflow
ssl.key.password=newsflow
ssl.client.auth=none
EOF
    fi
}

# Stop pid $1: SIGTERM, wait up to $2 seconds, then SIGKILL.
terminate() {
    local pid=$1 grace=$2 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "pid $pid still alive after ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

show_failure_logs() {
    local state=$1 log_offset=$2
    if [[ -s $state/broker.out ]]; then
        log "--- tail of $state/broker.out ---"
        tail -n 20 -- "$state/broker.out" >&2
    fi
    if [[ -f $state/broker.log ]]; then
        log "--- tail of $state/broker.log ---"
        tail -c "+$((log_offset + 1))" -- "$state/broker.log" | tail -n 40 >&2
    fi
}

cmd_start() {
    local state pid
    state=$(state_dir "$PORT")
    lock_state "$state"
    # A broker once started with --secure keeps its secure listeners until it is wiped, so
    # a restart (a test that restarts the broker) does not take them away.
    if [[ -d $state/secure ]]; then SECURE=1; fi

    if pid=$(live_pid "$state"); then
        log "broker on port $PORT already running (pid $pid, state $state)"
        return 0
    fi
    if [[ -f $state/broker.pid ]]; then
        log "removing stale pid file $state/broker.pid (pid $(<"$state/broker.pid") is not running)"
        rm -f -- "$state/broker.pid"
    fi

    local p ports=("$PORT" "$CONTROLLER_PORT")
    ((SECURE)) && ports+=("$((PORT + 2))" "$((PORT + 3))")
    for p in "${ports[@]}"; do
        if port_open "$p"; then
            die "port 127.0.0.1:$p is already in use by another process (not a broker started from $CACHE)"
        fi
    done

    [[ -f $FETCH_MARKER ]] || cmd_fetch

    JAVA=$(java_bin)

    if ((SECURE)); then write_secure_material "$state"; fi
    write_server_properties "$state"
    if [[ -f $state/data/meta.properties ]]; then
        log "reusing formatted storage in $state/data ($(grep -E '^cluster.id=' "$state/data/meta.properties" || true))"
    else
        local uuid
        uuid=$(kafka_tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
        log "formatting storage in $state/data with cluster id $uuid"
        mkdir -p -- "$state/data"
        kafka_tool kafka.tools.StorageTool format -t "$uuid" -c "$state/server.properties" >&2 ||
            die "StorageTool format failed"
    fi

    local log_offset=0
    [[ -f $state/broker.log ]] && log_offset=$(stat -c %s -- "$state/broker.log")
    : >"$state/broker.out"

    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT, heap $HEAP, state $state)"
    local t0
    t0=$(now_ms)
    # setsid + nohup: own session, survives the calling shell and its SIGHUP.
    # The inner shell writes its own pid, which `exec` hands over to the JVM.
    # fds 8/9 (our locks) are closed so the broker does not hold them.
    # shellcheck disable=SC2016  # $$/$1/$@ are expanded by the inner bash
    setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$state/broker.pid" \
        "$JAVA" "-Xmx$HEAP" -Xss1m \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
        -Djava.awt.headless=true \
        -Dkafka.logs.dir="$state" \
        -Dlog4j.configuration="file:$CONF/log4j.properties" \
        -cp "$LIB/*" kafka.Kafka "$state/server.properties" \
        </dev/null >>"$state/broker.out" 2>&1 8>&- 9>&- &
    local launcher=$!

    # Wait for the pid file written by the launcher.
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s $state/broker.pid ]] && break
        sleep 0.1
    done
    pid=$(cat -- "$state/broker.pid" 2>/dev/null || echo "$launcher")

    # Ready = the server logged that it started AND the client port accepts TCP.
    local deadline=$((t0 + TIMEOUT * 1000)) started=0
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f -- "$state/broker.pid"
            show_failure_logs "$state" "$log_offset"
            die "broker on port $PORT exited during startup"
        fi
        if ((!started)) && [[ -f $state/broker.log ]] &&
            tail -c "+$((log_offset + 1))" -- "$state/broker.log" | grep -F 'Kafka Server started' >/dev/null; then
            started=1
        fi
        if ((started)) && port_open "$PORT"; then
            break
        fi
        if (($(now_ms) >= deadline)); then
            show_failure_logs "$state" "$log_offset"
            log "broker on port $PORT not ready after ${TIMEOUT}s; stopping it"
            terminate "$pid" 10 || true
            rm -f -- "$state/broker.pid"
            die "broker on port $PORT did not become ready within ${TIMEOUT}s"
        fi
        sleep 0.25
    done
    log "broker ready on 127.0.0.1:$PORT (pid $pid) after $(fmt_ms $(($(now_ms) - t0))) s; log: $state/broker.log"
}

# -------------------------------------------------------------------- stop ---
stop_one() {
    local port=$1 state pid
    state=$(state_dir "$port")
    if [[ ! -d $state ]]; then
        log "no broker state for port $port ($state)"
        return 0
    fi
    lock_state "$state"
    if pid=$(live_pid "$state"); then
        log "stopping broker on port $port (pid $pid)"
        if ! terminate "$pid" 30; then
            die "broker pid $pid on port $port did not exit even after SIGKILL"
        fi
        log "broker on port $port stopped"
    else
        log "broker on port $port is not running"
    fi
    rm -f -- "$state/broker.pid"
    if ((WIPE)); then
        log "wiping $state"
        rm -rf -- "$state"
    fi
    exec 9>&- # release the lock (the state dir may be gone)
}

cmd_stop() {
    if ((ALL)); then
        local port ports
        ports=$(known_ports)
        if [[ -z $ports ]]; then
            log "no brokers under $CACHE/brokers"
            return 0
        fi
        for port in $ports; do
            stop_one "$port"
        done
    else
        stop_one "$PORT"
    fi
}

# ------------------------------------------------------------ status, logs ---
status_one() {
    local port=$1 state pid
    state=$(state_dir "$port")
    if pid=$(live_pid "$state"); then
        local ready=accepting
        port_open "$port" || ready=not-accepting
        printf '%s running pid=%s %s state=%s\n' "$port" "$pid" "$ready" "$state"
        return 0
    fi
    printf '%s stopped\n' "$port"
    return 1
}

cmd_status() {
    local any=0 port ports
    if ((ALL)); then
        ports=$(known_ports)
        for port in $ports; do
            if status_one "$port"; then any=1; fi
        done
        [[ -n $ports ]] || log "no brokers under $CACHE/brokers"
    else
        if status_one "$PORT"; then any=1; fi
    fi
    ((any)) && return "$EXIT_OK"
    exit "$EXIT_NOT_RUNNING"
}

cmd_logs() {
    local file
    file=$(state_dir "$PORT")/broker.log
    [[ -f $file ]] || die "no log for port $PORT ($file)"
    if ((FOLLOW)); then
        exec tail -n "$LINES" -F -- "$file"
    fi
    tail -n "$LINES" -- "$file"
}

# -------------------------------------------------------------------- main ---
main() {
    parse_args "$@"
    case $COMMAND in
        fetch) cmd_fetch ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        logs) cmd_logs ;;
    esac
}

main "$@"
