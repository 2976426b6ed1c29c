#!/usr/bin/env bash
# tollctl's start-up cost (issue 7): the wall time of `tollctl show -p IPIngressBytes UNIT`
# against a real tollgated, next to a plain JVM hello-world on the same JVM, measured in the
# same run, alternating; prints both medians and their ratio (goal: at most 4x).
#
#   sudo bench/cli-latency.sh                 # build the distribution, 20 runs each
#   sudo bench/cli-latency.sh --runs 50
#   BENCH_SKIP_BUILD=1 sudo -E bench/cli-latency.sh   # reuse packaging/target/tollgate
#
# It starts tollgated on a scratch cgroup root, bpffs directory, state directory and socket of
# its own, with one service with IPAccounting=yes, and removes all of it at the end, on
# failure and on SIGINT/SIGTERM. Uses hyperfine (installed with apt-get when missing), else a
# bash loop with date +%s%N.
set -euo pipefail

runs=20
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "cli-latency: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

main=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "cli-latency: must run as root: it starts tollgated on its own cgroup root (try: sudo $0)" >&2
    exit 1
fi
cd "$main"
# shellcheck source=/dev/null
. scripts/find-jdk.sh
java=$JAVA_HOME/bin/java
dist=$main/packaging/target/tollgate
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "cli-latency: building the distribution (BENCH_SKIP_BUILD=1 skips this) ..." >&2
    ./mvnw -B -q -o install -DskipTests -pl packaging -am
fi
[ -x "$dist/bin/tollctl" ] || { echo "cli-latency: $dist/bin/tollctl missing: build without BENCH_SKIP_BUILD" >&2; exit 1; }

id=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
name=tollgate-bench-cli-$id
work=$(mktemp -d "/tmp/$name.XXXX")
socket=$work/state/io.tollgate.Manager
# shellcheck source=/dev/null
. "$main/bench/lib.sh"
cgroup2=$(bench_cgroup2_mount)
[ -n "$cgroup2" ] || { echo "cli-latency: statfs finds cgroup2 at neither /sys/fs/cgroup nor /sys/fs/cgroup/unified" >&2; exit 1; }
bpffs=/sys/fs/bpf/$name
daemon_pid=""

cleanup() {
    set +e
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid"
        for _ in $(seq 1 300); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    # What a daemon that did not stop cleanly may have left: processes, cgroups, pins.
    if [ -n "$cgroup2" ] && [ -d "$cgroup2/$name" ]; then
        find "$cgroup2/$name" -depth -type d | while read -r d; do
            [ -f "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill" 2>/dev/null
            for _ in $(seq 1 100); do rmdir "$d" 2>/dev/null && break; sleep 0.02; done
        done
    fi
    [ -e "$bpffs" ] && rm -rf "$bpffs"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work/units" "$work/state" "$work/hello"
cat > "$work/units/bench.service" <<'EOF'
[Unit]
Description=cli-latency: a service with accounting
[Service]
IPAccounting=yes
IPAddressDeny=10.0.0.0/8
ExecStart=/bin/sleep 3600
EOF
mkdir -p "$work/units/multi-user.target.wants"
ln -s ../bench.service "$work/units/multi-user.target.wants/bench.service"

"$dist/bin/tollgated" --config /dev/null --units-path "$work/units" --cgroup-root "/$name" --bpffs-dir "$bpffs" \
    --state-dir "$work/state" --socket "$socket" > "$work/tollgated.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 600); do
    grep -q 'tollgated is running' "$work/tollgated.log" 2>/dev/null && break
    kill -0 "$daemon_pid" 2>/dev/null || { echo "cli-latency: tollgated exited:" >&2; cat "$work/tollgated.log" >&2; exit 1; }
    sleep 0.1
done
grep -q 'tollgated is running' "$work/tollgated.log" || { echo "cli-latency: tollgated did not start in 60 s" >&2; exit 1; }

cat > "$work/hello/Hello.java" <<'EOF'
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello, world");
    }
}
EOF
"$JAVA_HOME/bin/javac" -d "$work/hello" "$work/hello/Hello.java"

export TOLLCTL_SOCKET=$socket
query=("$dist/bin/tollctl" show -p IPIngressBytes bench.service)
hello=("$java" -cp "$work/hello" Hello)
answer=$("${query[@]}")
[[ $answer =~ ^IPIngressBytes=[0-9]+$ ]] || { echo "cli-latency: unexpected answer: $answer" >&2; exit 1; }
aot=no
[ -f "$dist/lib/tollctl.aot" ] && aot=yes

echo "JVM:       $("$java" -version 2>&1 | head -1)"
echo "query:     tollctl show -p IPIngressBytes bench.service -> $answer (AOT cache: $aot)"
echo "baseline:  java -cp . Hello (the same JVM, default flags)"
echo "runs:      $runs each, after warm-up runs, on $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "cli-latency: installing hyperfine ..." >&2
    { apt-get install -y -qq hyperfine || { apt-get update -qq && apt-get install -y -qq hyperfine; }; } >/dev/null 2>&1 || true
fi

if command -v hyperfine >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    # In rounds, the order swapped each round: load from elsewhere that comes and goes then
    # hits both commands alike, not one block of runs.
    printf -v q '%q ' "${query[@]}"
    printf -v h '%q ' "${hello[@]}"
    rounds=5
    per=$(( (runs + rounds - 1) / rounds ))
    for r in $(seq 1 "$rounds"); do
        if [ $((r % 2)) = 1 ]; then order=(-n hello-world "$h" -n tollctl-show "$q"); else order=(-n tollctl-show "$q" -n hello-world "$h"); fi
        hyperfine -N --style basic --warmup 3 --runs "$per" --export-json "$work/round-$r.json" "${order[@]}" >"$work/round-$r.txt" 2>&1 \
            || { cat "$work/round-$r.txt" >&2; exit 1; }
    done
    sed -n '/^Benchmark/,$p' "$work/round-1.txt" >&2
    read -r hello_ms tollctl_ms runs < <(python3 - "$work"/round-*.json <<'EOF'
import json, statistics, sys
times = {"hello-world": [], "tollctl-show": []}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        times[r["command"]] += r["times"]
print("%.1f %.1f %d" % (statistics.median(times["hello-world"]) * 1000, statistics.median(times["tollctl-show"]) * 1000,
                        len(times["hello-world"])))
EOF
)
    method="hyperfine, $rounds rounds of $per runs each, the order swapped each round"
else
    # Alternating runs, so that load from elsewhere hits both alike.
    for _ in 1 2 3; do "${hello[@]}" >/dev/null; "${query[@]}" >/dev/null; done
    hs=(); ts=()
    for _ in $(seq 1 "$runs"); do
        s=$(date +%s%N); "${hello[@]}" >/dev/null; e=$(date +%s%N); hs+=($(( (e - s) / 1000 )))
        s=$(date +%s%N); "${query[@]}" >/dev/null; e=$(date +%s%N); ts+=($(( (e - s) / 1000 )))
    done
    median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    hello_ms=$(awk -v u="$(median "${hs[@]}")" 'BEGIN { printf "%.1f", u / 1000 }')
    tollctl_ms=$(awk -v u="$(median "${ts[@]}")" 'BEGIN { printf "%.1f", u / 1000 }')
    method="bash loop with date +%s%N, the two alternating"
fi

ratio=$(awk -v t="$tollctl_ms" -v h="$hello_ms" 'BEGIN { printf "%.2f", t / h }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 4.0 ? "PASS" : "MISS") }')
echo
printf '%-34s %8s ms (median of %d)\n' "hello-world" "$hello_ms" "$runs"
printf '%-34s %8s ms (median of %d)\n' "tollctl show -p IPIngressBytes" "$tollctl_ms" "$runs"
printf '%-34s %8sx  goal <= 4x: %s\n' "ratio" "$ratio" "$verdict"
echo "(measured with: $method)"
