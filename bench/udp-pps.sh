#!/usr/bin/env bash
# Loopback throughput with and without tollgate's (b) programs (accounting + a 5-prefix
# firewall) on the sender's and the receiver's cgroup: UDP packets per second from a batched
# sendmmsg/recvmmsg generator (sockperf's own rate without programs is printed for reference),
# and TCP throughput with iperf3. Prints both, and the ratios (goal for UDP: >= 0.91).
#
# Usage: sudo bench/udp-pps.sh [--seconds 2] [--rounds 9] [--payload 16] [--batch 64]
#                              [--pairs 1] [--tcp-seconds 5] [--tcp-rounds 5] [--no-tcp] [--no-sockperf]
# Root only. Installs sockperf and iperf3 with apt-get if they are missing (Debian/Ubuntu).
# Creates cgroups tollgate-bench-*/{sender,receiver}.service under the cgroup2 mount and pins
# under /sys/fs/bpf/tollgate-bench-*, and removes them (also on failure and Ctrl-C).
# BENCH_SKIP_BUILD=1 uses the jars already built.
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups, loads and attaches BPF programs and may install sockperf and iperf3" "$@"
[ -n "$BENCH_CGROUP2" ] || { echo "udp-pps: no cgroup2 mount found in /proc/self/mountinfo" >&2; exit 1; }

missing=()
command -v sockperf >/dev/null 2>&1 || missing+=(sockperf)
command -v iperf3 >/dev/null 2>&1 || missing+=(iperf3)
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "udp-pps: installing ${missing[*]} with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
            || echo "udp-pps: could not install ${missing[*]}; those parts are skipped" >&2
    else
        echo "udp-pps: ${missing[*]} missing and no apt-get; those parts are skipped" >&2
    fi
fi

bench_build
trap bench_sweep EXIT
trap 'exit 130' INT TERM
bench_ensure_bpffs
bench_java UdpPpsBench --name "$BENCH_NAME" "$@"
