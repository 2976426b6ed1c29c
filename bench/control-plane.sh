#!/usr/bin/env bash
# Control plane at scale against the real systemd (issue 15): the same N services booted by
# systemd 252 (PID 1 of private namespaces, ../shared/systemd-oracle/) and by tollgated in the
# same run, alternating each round; prints boot, stop, manager RSS and reading all counters,
# each as median [min-max] over rounds and as the ratio tollgated/systemd.
# Usage: bench/control-plane.sh [N ...]   (default 1000; e.g. "1000 10000" adds the RSS slope)
# ROUNDS=3 by default; BENCH_JFR=1 records a JFR profile of each tollgated boot, BENCH_PERF=1
# a perf record -a -g of its boot and of its stop (kept in /tmp/<run>/daemon-PLACE-N-R/ as
# boot.jfr, boot.perf.data, stop.perf.data; the run directory is kept then).
# BENCH_PROGRAMS=shared|per-unit passes --programs to tollgated (default: its auto).
# BENCH_TOLLGATED=host (default) | trixie | host,trixie: where tollgated runs. trixie: chrooted
# in the Debian trixie root (TOLLGATE_TRIXIE_ROOT, default /var/tmp/trixie-root, made by
# scripts/trixie-root.sh; glibc 2.41, so services are spawned by pidfd_spawn straight into their
# cgroup) through scripts/in-trixie-root.sh, a private mount namespace per daemon; systemd 252
# stays on the host. host,trixie: both in each round, side by side, with their ratio. Each
# tollgated's spawn method (as a tollgated started there logs it) is printed above the figures.
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups and namespaces, loads BPF programs, runs systemd and tollgated" "$@"
[ $# -gt 0 ] || set -- 1000
rounds=${ROUNDS:-3}
places=${BENCH_TOLLGATED:-host}
case ,$places, in
    ,host, | ,trixie, | ,host,trixie, | ,trixie,host,) ;;
    *) echo "control-plane: BENCH_TOLLGATED must be host, trixie or host,trixie (got '$places')" >&2; exit 1 ;;
esac
export TOLLGATE_TRIXIE_ROOT=${TOLLGATE_TRIXIE_ROOT:-/var/tmp/trixie-root}
if [[ ,$places, == *,trixie,* ]] && [ ! -x "$TOLLGATE_TRIXIE_ROOT/bin/bash" ]; then
    echo "control-plane: no Debian trixie root at $TOLLGATE_TRIXIE_ROOT (make it with: sudo scripts/trixie-root.sh)" >&2
    exit 1
fi
# The oracle's scripts sit in ../shared beside the project's root (one level further up from a
# git worktree under wt/).
oracle_scripts=${ORACLE_SCRIPTS:-}
if [ -z "$oracle_scripts" ]; then
    for d in "$MAIN_DIR/../shared/systemd-oracle" "$MAIN_DIR/../../shared/systemd-oracle"; do
        [ -f "$d/ns-init.sh" ] && { oracle_scripts=$d; break; }
    done
    oracle_scripts=${oracle_scripts:-$MAIN_DIR/../shared/systemd-oracle}
fi
[ -x /lib/systemd/systemd ] || { echo "control-plane: systemd 252 is not at /lib/systemd/systemd" >&2; exit 1; }
[ -f "$oracle_scripts/ns-init.sh" ] || { echo "control-plane: no oracle scripts in $oracle_scripts (set ORACLE_SCRIPTS)" >&2; exit 1; }
oracle_scripts=$(cd "$oracle_scripts" && pwd)
cd "$MAIN_DIR"
. scripts/find-jdk.sh
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "control-plane: building (BENCH_SKIP_BUILD=1 skips this) ..." >&2
    ./mvnw -B -q -o install -DskipTests -pl packaging,bench -am
fi
chmod +x packaging/target/tollgate/bin/*
bench_ensure_bpffs
work="/tmp/$BENCH_NAME"
mkdir "$work"
sweep_all() {
    rc=$?
    for d in "$BENCH_CGROUP2/$BENCH_NAME"*; do
        [ -d "$d" ] && find "$d" -depth -type d -exec sh -c 'echo 1 > "$1/cgroup.kill" 2>/dev/null; rmdir "$1" 2>/dev/null' _ {} \;
    done
    rm -rf /sys/fs/bpf/"$BENCH_NAME"* /dev/shm/"$BENCH_NAME"
    if [ -n "${BENCH_JFR:-}${BENCH_PERF:-}" ]; then echo "control-plane: recordings kept in $work/daemon-*/ (boot.jfr, boot.perf.data, stop.perf.data)" >&2
    else rm -rf "$work"; fi
    exit "$rc"
}
trap sweep_all EXIT
bench_java ControlPlaneBench "$MAIN_DIR/packaging/target/tollgate/bin/tollgated" "$MAIN_DIR/scripts/in-trixie-root.sh" \
    "$BENCH_CGROUP2" /sys/fs/bpf "$work" "$oracle_scripts" "$rounds" "$places" "$@"
