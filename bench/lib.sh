# Sourced by bench/*.sh: root check, JDK, build, a run name, and a last-resort sweep of what a
# run creates (the Java side removes everything itself, also on SIGINT/SIGTERM; this sweep
# covers a JVM that was SIGKILLed).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MAIN_DIR=$(cd "$BENCH_DIR/.." && pwd)
BENCH_SCRIPT=$(basename "$0" .sh)

# $1: what the script does that needs root.
bench_require_root() {
    local why=$1; shift
    if [ "$(id -u)" -ne 0 ]; then
        echo "$BENCH_SCRIPT: must run as root: it $why (try: sudo $0${*:+ $*})" >&2
        exit 1
    fi
}

# Where cgroup2 is, found as tollgated finds it (libc's ApiFileSystems): statfs at
# /sys/fs/cgroup, then /sys/fs/cgroup/unified (hybrid). Not the first cgroup2 line of
# mountinfo, which in a container may be the host's, hidden under a fresh /sys.
bench_cgroup2_mount() {
    local p
    for p in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [ "$(stat -f -c %T "$p" 2>/dev/null)" = cgroup2fs ]; then echo "$p"; return; fi
    done
}

# Builds the bench module (and what it needs) unless BENCH_SKIP_BUILD=1.
bench_build() {
    cd "$MAIN_DIR"
    # shellcheck source=/dev/null
    . scripts/find-jdk.sh
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
        echo "$BENCH_SCRIPT: building (BENCH_SKIP_BUILD=1 skips this) ..." >&2
        if grep -q '<module>bench</module>' pom.xml; then
            ./mvnw -B -q -o package -DskipTests -pl bench -am
        else
            ./mvnw -B -q -o install -DskipTests -pl accounting -am
            ./mvnw -B -q -o -f bench/pom.xml package
        fi
    fi
    [ -f "$BENCH_DIR/target/bench.jar" ] || { echo "$BENCH_SCRIPT: $BENCH_DIR/target/bench.jar missing" >&2; exit 1; }
    cd - >/dev/null
}

# BENCH_NETNS=PID runs the JVM in that process's network namespace (the systemd oracle's);
# BENCH_CPU=N pins it to CPU N.
bench_java() {
    local main=$1; shift
    local prefix=()
    [ -n "${BENCH_NETNS:-}" ] && prefix+=(nsenter -t "$BENCH_NETNS" -n)
    [ -n "${BENCH_CPU:-}" ] && prefix+=(taskset -c "$BENCH_CPU")
    "${prefix[@]}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms256m \
        -cp "$BENCH_DIR/target/bench.jar:$BENCH_DIR/target/lib/*" "dev.tollgate.bench.$main" "$@"
}

BENCH_NAME="tollgate-bench-$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BENCH_CGROUP2=$(bench_cgroup2_mount)
BENCH_STATS_BEFORE=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo "")
BENCH_MOUNTED_BPFFS=0

# bpffs for the pins of tollgate's datapath; unmounted again at the end if we mounted it.
bench_ensure_bpffs() {
    if [ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ]; then
        mount -t bpf bpf /sys/fs/bpf
        BENCH_MOUNTED_BPFFS=1
    fi
}

bench_sweep() {
    local rc=$?
    if [ -n "$BENCH_CGROUP2" ] && [ -d "$BENCH_CGROUP2/$BENCH_NAME" ]; then
        echo "$BENCH_SCRIPT: removing leftover cgroups $BENCH_CGROUP2/$BENCH_NAME" >&2
        find "$BENCH_CGROUP2/$BENCH_NAME" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    fi
    if [ -e "/sys/fs/bpf/$BENCH_NAME" ]; then
        echo "$BENCH_SCRIPT: removing leftover pins /sys/fs/bpf/$BENCH_NAME" >&2
        rm -rf "/sys/fs/bpf/$BENCH_NAME"
    fi
    if [ -n "$BENCH_STATS_BEFORE" ] && [ "$(cat /proc/sys/kernel/bpf_stats_enabled)" != "$BENCH_STATS_BEFORE" ]; then
        echo "$BENCH_SCRIPT: restoring kernel.bpf_stats_enabled=$BENCH_STATS_BEFORE" >&2
        echo "$BENCH_STATS_BEFORE" > /proc/sys/kernel/bpf_stats_enabled
    fi
    # Units and slice files of this run in the systemd oracle (datapath.sh, udp-pps.sh), if the JVM could not.
    if [ -n "${ORACLE:-}" ] && [ -s "$ORACLE/systemd.pid" ]; then
        local run=${BENCH_NAME#tollgate-bench-} left
        left=$("$ORACLE/sdx" systemctl list-units --all --plain --no-legend "tg[bp]*$run*" 2>/dev/null | awk '{print $1}')
        if [ -n "$left" ]; then
            echo "$BENCH_SCRIPT: stopping leftover oracle units: $left" >&2
            "$ORACLE/sdx" systemctl stop $left 2>/dev/null || true
        fi
        if ls "$ORACLE"/units/tg[bp]"$run"*.slice >/dev/null 2>&1; then
            rm -f "$ORACLE"/units/tg[bp]"$run"*.slice
            "$ORACLE/sdx" systemctl daemon-reload 2>/dev/null || true
        fi
    fi
    if [ "$BENCH_MOUNTED_BPFFS" = 1 ]; then
        umount /sys/fs/bpf 2>/dev/null || true
    fi
    for pid in ${BENCH_CHILDREN:-}; do
        kill "$pid" 2>/dev/null || true
    done
    exit "$rc"
}
