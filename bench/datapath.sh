#!/usr/bin/env bash
# Datapath cost per packet, tollgate against the real systemd 252 (issue 16), from the kernel's
# own statistics (kernel.bpf_stats_enabled=1, run_time_ns of every program that
# `bpftool cgroup show CG effective` lists for the unit's cgroup, read before and after), on
# identical loopback UDP floods in the systemd oracle's network namespace: the floor (r0 = 1),
# the unit alone (IPAccounting=yes, IPAddressDeny=any, IPAddressAllow=127.0.0.0/8 10.0.0.0/8
# 192.168.0.0/16) and the unit under three accounted slices, systemd's and tollgate's, 5
# interleaved rounds; prints medians, per-round ranges and the issue's two ratios with PASS/MISS.
#
# Needs a running oracle: ORACLE=/tmp/oracle-x ../shared/systemd-oracle/setup.sh (default
# ORACLE=/tmp/systemd-oracle).
# Usage: sudo ORACLE=DIR bench/datapath.sh [--packets 1000000] [--rounds 5] [--payload 64]
#                               [--address 127.0.0.1|::1] [--warmup 20000] [--lists]
#        (--lists adds 64- and 1,024-entry allow lists, systemd's and ours)
# BENCH_CPU=N pins the benchmark (sender and receiver) to CPU N, as the issue's figures were.
# Root only. Creates cgroups tollgate-bench-* under the cgroup2 mount, pins under
# /sys/fs/bpf/tollgate-bench-*, transient units and slice files tgb* in the oracle, and removes
# them all (also on failure and Ctrl-C).
# --programs per-unit runs the programs of kernels without shared cgroup storage (tollgate before it).
# BENCH_SKIP_BUILD=1 uses the jars already built.
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups, loads and attaches BPF programs and sets kernel.bpf_stats_enabled" "$@"
[ -n "$BENCH_CGROUP2" ] || { echo "datapath: statfs finds cgroup2 at neither /sys/fs/cgroup nor /sys/fs/cgroup/unified" >&2; exit 1; }
[ -r /proc/sys/kernel/bpf_stats_enabled ] || { echo "datapath: kernel without kernel.bpf_stats_enabled (needs 5.1+)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "datapath: needs bpftool (apt-get install bpftool)" >&2; exit 1; }
export ORACLE=${ORACLE:-/tmp/systemd-oracle}
[ -s "$ORACLE/systemd.pid" ] || { echo "datapath: no systemd oracle at $ORACLE (start one: sudo ORACLE=$ORACLE ../shared/systemd-oracle/setup.sh)" >&2; exit 1; }
bench_build
trap bench_sweep EXIT
trap 'exit 130' INT TERM
bench_ensure_bpffs
BENCH_NETNS=$(cat "$ORACLE/systemd.pid") bench_java DatapathBench --name "$BENCH_NAME" "$@"
