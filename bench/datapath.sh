#!/usr/bin/env bash
# Datapath cost per packet, from the kernel's own statistics (kernel.bpf_stats_enabled=1,
# run_time_ns / run_cnt per program), on identical loopback UDP traffic: the floor (r0 = 1),
# tollgate's unit program (a) accounting only, (b) + a 5-prefix firewall, (c) (b) under three
# accounted slices, and a rebuild of systemd 252's programs for (c)'s policy. Prints a table
# and the ratios issue 9 sets goals for, with PASS/MISS.
#
# Usage: sudo bench/datapath.sh [--packets 200000] [--rounds 5] [--payload 64]
#                               [--address 127.0.0.1|::1] [--warmup 20000] [--timeout 60]
#                               [--what-if]   (adds variants of our program, one technique
#                                              changed each, to show where its cost is)
# Root only. Creates cgroups tollgate-bench-* under the cgroup2 mount and pins under
# /sys/fs/bpf/tollgate-bench-*, and removes them all (also on failure and Ctrl-C).
# BENCH_SKIP_BUILD=1 uses the jars already built.
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups, loads and attaches BPF programs and sets kernel.bpf_stats_enabled" "$@"
[ -n "$BENCH_CGROUP2" ] || { echo "datapath: no cgroup2 mount found in /proc/self/mountinfo" >&2; exit 1; }
[ -r /proc/sys/kernel/bpf_stats_enabled ] || { echo "datapath: kernel without kernel.bpf_stats_enabled (needs 5.1+)" >&2; exit 1; }
bench_build
trap bench_sweep EXIT
trap 'exit 130' INT TERM
bench_ensure_bpffs
bench_java DatapathBench --name "$BENCH_NAME" "$@"
