#!/usr/bin/env bash
# Installs tollgate's .deb into a clean, minimal Debian root (debootstrap) and runs it there:
# tollgated --help, tollctl --help, tollctl probe with no daemon (the not-running message), then,
# unless --no-daemon, a real tollgated in the root with a unit that sends traffic, queried with
# tollctl (probe, status, show, list-units), stopped, and the package purged. Everything it
# makes is removed at the end, also on failure or Ctrl-C.
#
# Usage: sudo packaging/deb/test-in-debootstrap.sh [--no-daemon] [PACKAGE.deb]
#   PACKAGE.deb  default: the newest packaging/target/tollgate_*.deb (packaging/deb/build.sh)
#   --no-daemon  skip the part that runs tollgated (it needs cgroup v2 and bpf(2))
# Environment:
#   SUITE   Debian release to bootstrap (default bookworm)
#   MIRROR  default http://deb.debian.org/debian
#   TOLLGATE_DEBOOTSTRAP_CACHE  a directory for debootstrap's downloads, kept between runs
#
# The daemon part uses the host's kernel, cgroup tree and bpffs (bind-mounted into the root)
# with names of its own: the cgroup /tollgate-debtest-PID and /sys/fs/bpf/tollgate-debtest-PID,
# both removed when tollgated stops.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/../.." && pwd)
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}

run_daemon=yes
deb=""
for a in "$@"; do
    case "$a" in
        --no-daemon) run_daemon=no ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "test-in-debootstrap.sh: unknown option $a" >&2; exit 2 ;;
        *) deb=$a ;;
    esac
done

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (debootstrap, chroot and mounts need it): sudo $0 $*"
command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap"
if [ -z "$deb" ]; then
    deb=$(ls -t "$repo"/packaging/target/tollgate_*.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || fail "no packaging/target/tollgate_*.deb: run packaging/deb/build.sh first"
fi
[ -f "$deb" ] || fail "$deb does not exist"
deb=$(readlink -f "$deb")

work=$(mktemp -d /var/tmp/tollgate-debootstrap.XXXXXX)
root=$work/root
tag=tollgate-debtest-$$
daemon_pid=""

# Unmounts everything below $work, then removes it; refuses to remove while a mount remains, so
# that a failed unmount can never make rm delete the host's /sys or /proc through the root.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    local m
    for m in $(findmnt -rno TARGET | grep -F "$work/" | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if findmnt -rno TARGET | grep -qF "$work/"; then
        echo "test-in-debootstrap.sh: still mounted below $work, not removing it:" >&2
        findmnt -rno TARGET | grep -F "$work/" >&2
    else
        rm -rf --one-file-system "$work"
    fi
    # In case tollgated could not clean up after itself.
    rmdir "$cgroup2/$tag/tollgated" "$cgroup2/$tag" 2>/dev/null || true
    rm -rf "/sys/fs/bpf/$tag" 2>/dev/null || true
    exit "$rc"
}
cgroup2=$(findmnt -rno TARGET -t cgroup2 | head -1 || true)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# Runs a command in the root, prints it and what it printed, and checks its exit status.
expect() {
    local want=$1; shift
    local out rc=0
    printf '\n$ %s\n' "$*"
    out=$(in_root "$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed 's/^/  /'
    printf '  [exit %s]\n' "$rc"
    [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
    last_output=$out
}

step "debootstrap --variant=minbase $suite into $root (from $mirror)"
cache=()
if [ -n "${TOLLGATE_DEBOOTSTRAP_CACHE:-}" ]; then
    mkdir -p "$TOLLGATE_DEBOOTSTRAP_CACHE"
    cache=(--cache-dir="$(readlink -f "$TOLLGATE_DEBOOTSTRAP_CACHE")")
fi
if ! debootstrap --variant=minbase "${cache[@]}" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log" >&2
    fail "debootstrap could not build the root (the lines above are the end of its log)"
fi
echo "  $(grep -c '^I: Validating' "$work/debootstrap.log" || true) packages validated, $(du -sh --exclude=proc --exclude=sys "$root" | cut -f1)"

step "Mounting /proc, /sys (with cgroup2 and bpffs) and /dev into the root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

step "Installing $(basename "$deb")"
cp "$deb" "$root/tmp/"
expect 0 dpkg -i "/tmp/$(basename "$deb")"
expect 0 dpkg-query -W -f '${Package} ${Version} ${Status}\n' tollgate
expect 0 ls -l /usr/bin/tollgated /usr/bin/tollctl /lib/systemd/system/tollgated.service /etc/tollgate /usr/lib/tollgate
expect 0 ls -l /etc/systemd/system/multi-user.target.wants/

step "Commands that need no daemon"
expect 0 tollgated --help
grep -q '^Usage: tollgated' <<<"$last_output" || fail "tollgated --help printed no usage"
expect 0 tollgated --version
expect 0 tollctl --help
expect 0 tollctl --version
expect 1 tollctl probe
grep -q 'tollgated is not running' <<<"$last_output" || fail "tollctl probe without a daemon did not say it is not running"
expect 0 tollctl version
if [ -f "$root/usr/lib/tollgate/lib/tollctl.aot" ]; then
    # -XX:AOTMode=on fails instead of falling back: the launcher's cache must load where it is installed.
    expect 0 env TOLLCTL_JAVA_OPTS=-XX:AOTMode=on tollctl --version
fi
expect 0 ls -l /usr/share/man/man8/tollgated.8.gz /usr/share/man/man1/tollctl.1.gz /usr/share/man/man5/tollgate.unit.5.gz \
    /usr/share/bash-completion/completions/tollctl \
    /usr/share/tollgate/prometheus/prometheus.yml /usr/share/tollgate/prometheus/tollgate.rules.yml \
    /usr/share/tollgate/prometheus/tollgate.rules.test.yml /usr/share/tollgate/grafana/tollgate-dashboard.json

if [ "$run_daemon" = yes ] && [ -z "$cgroup2" ]; then
    echo "  (no cgroup2 mount on this host: skipping the daemon part)"
    run_daemon=no
fi
if [ "$run_daemon" = yes ]; then
    step "tollgated in the root: cgroup /$tag, pins /sys/fs/bpf/$tag, socket /run/tollgate in the root"
    # A service that sends a datagram to 127.0.0.1 (allowed) and one to 127.0.0.2 (denied)
    # every 100 ms, with bash's /dev/udp: egress counted, the second one dropped.
    cat >"$root/etc/tollgate/units/udp-sender.service" <<'EOF'
[Unit]
Description=Sends UDP datagrams, half of them to a denied address

[Service]
IPAccounting=yes
IPAddressDeny=127.0.0.2
ExecStart=/bin/bash -c 'while :; do echo hi >/dev/udp/127.0.0.1/9; echo hi 2>/dev/null >/dev/udp/127.0.0.2/9; sleep 0.1; done'

[Install]
WantedBy=multi-user.target
EOF
    in_root tollctl --version >/dev/null   # the JVM's first start in the root, off the clock
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        tollgated --cgroup-root="/$tag" --bpffs-dir="/sys/fs/bpf/$tag" >"$work/tollgated.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 300); do
        [ -S "$root/run/tollgate/io.tollgate.Manager" ] && break
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/tollgated.log" >&2; fail "tollgated exited at start"; }
        sleep 0.1
    done
    [ -S "$root/run/tollgate/io.tollgate.Manager" ] || { cat "$work/tollgated.log" >&2; fail "tollgated did not open its socket in 30 s"; }
    expect 0 tollctl probe
    expect 0 tollctl enable --now udp-sender
    sleep 2
    expect 0 tollctl status udp-sender
    expect 0 tollctl show -p ActiveState,IPAccounting,IPEgressPackets,IPEgressBytes,IPEgressDroppedPackets,AttachMode udp-sender
    egress=$(sed -n 's/^IPEgressPackets=//p' <<<"$last_output")
    dropped=$(sed -n 's/^IPEgressDroppedPackets=//p' <<<"$last_output")
    [ "${egress:-0}" -gt 0 ] 2>/dev/null || fail "udp-sender's egress packets were not counted (IPEgressPackets=$egress)"
    [ "${dropped:-0}" -gt 0 ] 2>/dev/null || fail "udp-sender's packets to 127.0.0.2 were not dropped (IPEgressDroppedPackets=$dropped)"
    expect 0 tollctl list-units
    expect 0 tollctl --json is-active udp-sender
    expect 4 tollctl status no-such-unit

    step "Stopping tollgated (SIGTERM)"
    kill -TERM "$daemon_pid"
    rc=0; wait "$daemon_pid" || rc=$?
    daemon_pid=""
    sed 's/^/  tollgated: /' "$work/tollgated.log"
    printf '  [exit %s]\n' "$rc"
    [ "$rc" = 0 ] || fail "tollgated exited $rc on SIGTERM"
    [ ! -e "$cgroup2/$tag" ] || fail "tollgated left its cgroup root $cgroup2/$tag behind"
    [ ! -e "/sys/fs/bpf/$tag" ] || fail "tollgated left its pins in /sys/fs/bpf/$tag behind"
    echo "  cgroup /$tag and /sys/fs/bpf/$tag are gone"
fi

step "Purging the package"
rm -f "$root/etc/tollgate/units/udp-sender.service" "$root/etc/tollgate/units/multi-user.target.wants/udp-sender.service"
rmdir "$root/etc/tollgate/units/multi-user.target.wants" 2>/dev/null || true
expect 0 dpkg --purge tollgate
expect 0 sh -c 'ls -d /usr/lib/tollgate /etc/tollgate /usr/bin/tollctl /usr/bin/tollgated /lib/systemd/system/tollgated.service 2>&1; true'
for p in /usr/lib/tollgate /etc/tollgate /usr/bin/tollctl /usr/bin/tollgated /lib/systemd/system/tollgated.service \
        /etc/systemd/system/multi-user.target.wants/tollgated.service; do
    [ ! -e "$root$p" ] || fail "$p is still there after dpkg --purge"
done

step "PASSED: $(basename "$deb") in a clean Debian $suite root"
