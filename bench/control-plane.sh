#!/usr/bin/env bash
# Control-plane figures at scale (issue 9): the real tollgated starting N services with
# accounting and a firewall, daemon-reload, GetCounters for all, RSS and heap; each against a
# baseline measured in the same run. Usage: bench/control-plane.sh [N (default 1000)]
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups, loads BPF programs and runs tollgated" "$@"
n=${1:-1000}
cd "$MAIN_DIR"
. scripts/find-jdk.sh
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "control-plane: building (BENCH_SKIP_BUILD=1 skips this) ..." >&2
    ./mvnw -B -q -o install -DskipTests -pl packaging,bench -am
fi
chmod +x packaging/target/tollgate/bin/*
bench_ensure_bpffs
work=$(mktemp -d "/tmp/$BENCH_NAME.XXXX")
sweep_all() {
    rc=$?
    for d in "$BENCH_CGROUP2/$BENCH_NAME"*; do
        [ -d "$d" ] && find "$d" -depth -type d -exec sh -c 'echo 1 > "$1/cgroup.kill" 2>/dev/null; rmdir "$1" 2>/dev/null' _ {} \;
    done
    rm -rf /sys/fs/bpf/"$BENCH_NAME"* "$work"
    exit "$rc"
}
trap sweep_all EXIT
mv "$work" "/tmp/$BENCH_NAME" && work="/tmp/$BENCH_NAME"
bench_java ControlPlaneBench "$MAIN_DIR/packaging/target/tollgate/bin/tollgated" "$BENCH_CGROUP2" /sys/fs/bpf "$work" "$n"
