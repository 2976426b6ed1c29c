#!/usr/bin/env bash
# Loopback throughput with kernel.bpf_stats_enabled=0, tollgate against the real systemd 252
# (issue 16), in the systemd oracle's network namespace: UDP packets per second from a batched
# sendmmsg/recvmmsg generator (Java through FFM, no allocation per batch) with sender and
# receiver in one cgroup per configuration: no programs, the floor (r0 = 1), systemd's unit and
# tollgate's alone (IPAccounting=yes, IPAddressDeny=any, IPAddressAllow=127.0.0.0/8 10.0.0.0/8
# 192.168.0.0/16) and under three accounted slices; ratios tollgate/systemd (goal >= 1). TCP
# throughput with iperf3 for reference; sockperf's own rate without programs.
#
# Needs a running oracle: ORACLE=/tmp/oracle-x ../shared/systemd-oracle/setup.sh.
# Usage: sudo ORACLE=DIR bench/udp-pps.sh [--seconds 2] [--rounds 5] [--payload 16] [--batch 64]
#                              [--tcp-seconds 5] [--tcp-rounds 3] [--no-tcp] [--no-sockperf]
# Root only. Installs sockperf and iperf3 with apt-get if they are missing (Debian/Ubuntu).
# Creates cgroups tollgate-bench-*/... under the cgroup2 mount, pins under
# /sys/fs/bpf/tollgate-bench-*, units tgp* in the oracle, and removes them (also on failure and Ctrl-C).
# BENCH_SKIP_BUILD=1 uses the jars already built.
. "$(dirname "$0")/lib.sh"
bench_require_root "creates cgroups, loads and attaches BPF programs and may install sockperf and iperf3" "$@"
[ -n "$BENCH_CGROUP2" ] || { echo "udp-pps: statfs finds cgroup2 at neither /sys/fs/cgroup nor /sys/fs/cgroup/unified" >&2; exit 1; }

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
export ORACLE=${ORACLE:-/tmp/systemd-oracle}
[ -s "$ORACLE/systemd.pid" ] || { echo "udp-pps: no systemd oracle at $ORACLE (start one: sudo ORACLE=$ORACLE ../shared/systemd-oracle/setup.sh)" >&2; exit 1; }
BENCH_NETNS=$(cat "$ORACLE/systemd.pid") bench_java UdpPpsBench --name "$BENCH_NAME" "$@"
