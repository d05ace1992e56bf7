#!/usr/bin/env bash
# Test ClickHouse servers for flowlog's ClickHouse backend tests, all on 127.0.0.1:
#   one server (HTTP 18123) and a two-shard cluster "flowlog_two_shards" (HTTP 18124, 18125),
# each with its own config, users and data under $FLOWLOG_CLICKHOUSE_DIR (default a fixed /tmp
# folder), run in the foreground of a background job and stopped by PID.
#
#   eval "$(bash .ci/clickhouse.sh start)"   # installs when missing, starts, waits, prints exports
#   bash .ci/clickhouse.sh stop              # SIGTERM by PID, then SIGKILL after 15 s
#
# The exports are what the tests read: FLOWLOG_TEST_CLICKHOUSE (one server) and
# FLOWLOG_TEST_CLICKHOUSE_CLUSTER (HOST:PORT/?cluster=NAME&shards=… of the cluster's first shard) and
# FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID (the hung-shard test SIGSTOPs it, then SIGCONTs it).
set -euo pipefail

DIR="${FLOWLOG_CLICKHOUSE_DIR:-/tmp/flowlog-clickhouse-ci}"
CLUSTER=flowlog_two_shards
# name http tcp interserver
SERVERS=("single 18123 19000 19009" "shard1 18124 19001 19010" "shard2 18125 19002 19011")

install_if_missing() {
    if [ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null 2>&1; then return; fi
    echo "installing clickhouse-server clickhouse-client" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq clickhouse-server clickhouse-client >&2 2>&1 \
        || { apt-get update -qq >&2 && apt-get install -y -qq clickhouse-server clickhouse-client >&2; }
}

server_binary() {
    if [ -x /usr/sbin/clickhouse-server ]; then echo /usr/sbin/clickhouse-server; else command -v clickhouse-server; fi
}

write_config() { # name http tcp interserver
    local name=$1 http=$2 tcp=$3 inter=$4 root="$DIR/$1"
    mkdir -p "$root/data" "$root/tmp" "$root/user_files" "$root/log"
    cat > "$root/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$root/log/server.log</log><errorlog>$root/log/error.log</errorlog>
        <size>10M</size><count>1</count></logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <interserver_http_port>$inter</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>$root/data/</path>
    <tmp_path>$root/tmp/</tmp_path>
    <user_files_path>$root/user_files/</user_files_path>
    <users_config>$root/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <max_concurrent_queries>50</max_concurrent_queries>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <remote_servers>
        <$CLUSTER>
            <shard><replica><host>127.0.0.1</host><port>19001</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>19002</port></replica></shard>
        </$CLUSTER>
        <!-- For the dead-shard test: nothing listens on shard 2's ports. -->
        <flowlog_dead_shard>
            <shard><replica><host>127.0.0.1</host><port>19001</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>19003</port></replica></shard>
        </flowlog_dead_shard>
    </remote_servers>
</yandex>
XML
    cat > "$root/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles><default>
        <max_memory_usage>1000000000</max_memory_usage>
        <max_threads>2</max_threads>
    </default></profiles>
    <users><default>
        <password></password>
        <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
        <profile>default</profile>
        <quota>default</quota>
    </default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

start() {
    install_if_missing
    local binary
    binary=$(server_binary)
    mkdir -p "$DIR"
    for spec in "${SERVERS[@]}"; do
        set -- $spec
        local name=$1 http=$2 root="$DIR/$1"
        if [ -f "$root/pid" ] && kill -0 "$(cat "$root/pid")" 2>/dev/null; then continue; fi
        write_config "$@"
        (cd "$root" && exec "$binary" --config-file="$root/config.xml" >"$root/log/stdout.log" 2>&1) &
        echo $! > "$root/pid"
    done
    for spec in "${SERVERS[@]}"; do
        set -- $spec
        local name=$1 http=$2 ok=0
        for _ in $(seq 1 150); do
            if [ "$(curl -s --max-time 2 "http://127.0.0.1:$http/?query=SELECT%201" 2>/dev/null)" = "1" ]; then ok=1; break; fi
            sleep 0.2
        done
        if [ $ok -ne 1 ]; then
            echo "clickhouse $name (HTTP $http) did not answer SELECT 1 within 30 s; see $DIR/$name/log" >&2
            tail -20 "$DIR/$name/log/stdout.log" "$DIR/$name/log/error.log" >&2 2>/dev/null || true
            exit 1
        fi
    done
    echo "export FLOWLOG_TEST_CLICKHOUSE=http://127.0.0.1:18123"
    # The shards' HTTP addresses are part of the URL: system.clusters lists TCP ports only.
    echo "export FLOWLOG_TEST_CLICKHOUSE_CLUSTER='127.0.0.1:18124/?cluster=$CLUSTER&shards=127.0.0.1:18124,127.0.0.1:18125'"
    echo "export FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID=$(cat "$DIR/shard2/pid")"
}

stop() {
    # Every server this script started, the extra ones of start-one included.
    for pidfile in "$DIR"/*/pid; do
        [ -f "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile")
        kill -CONT "$pid" 2>/dev/null || true   # a test may have left it stopped
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

# One more server, for tests that kill and restart a server (the fault tests): prints its PID.
start_one() { # name http tcp interserver
    local binary root="$DIR/$1"
    binary=$(server_binary)
    write_config "$@"
    (cd "$root" && exec "$binary" --config-file="$root/config.xml" >"$root/log/stdout.log" 2>&1) &
    echo $! > "$root/pid"
    for _ in $(seq 1 150); do
        if [ "$(curl -s --max-time 2 "http://127.0.0.1:$2/?query=SELECT%201" 2>/dev/null)" = "1" ]; then cat "$root/pid"; return; fi
        sleep 0.2
    done
    echo "clickhouse $1 did not start" >&2
    exit 1
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    start-one) shift; start_one "$@" ;;
    *) echo "usage: $0 start|stop|start-one NAME HTTP TCP INTERSERVER" >&2; exit 64 ;;
esac
