#!/usr/bin/env bash
# Runs a command of this worktree inside the Debian trixie root (glibc 2.41, so tollgated's
# Spawner takes its pidfd_spawn + CLONE_INTO_CGROUP path), in a private mount namespace with
# /proc, /sys (cgroup2, bpffs), /dev (so /dev/shm), the JDK, the worktree, the Maven repository
# and ~/.m2 mounted, and a fresh tmpfs on /tmp; nothing is mounted on the host, and the mounts go
# away with the last process of the namespace. Needs root and scripts/trixie-root.sh's root.
#
# Usage: scripts/in-trixie-root.sh [--bind DIR]... [--exec] COMMAND...
#   By default the arguments are one shell command line, run in the worktree after printing the
#   root's glibc:
#     sudo scripts/in-trixie-root.sh "./mvnw -B -o verify -pl system-tests -Dtest='SpawnTest,DaemonServiceTest#aDatagramSentAsTheServicesFirstActIsCounted' -Dsurefire.failIfNoSpecifiedTests=false"
#   (install the modules first with the host's ./mvnw, or prefix the command with an install.)
#   --bind DIR  also mounts the host's directory DIR at the same path inside (repeatable); needed
#               for what a command reads under /tmp, which is a tmpfs of its own inside.
#   --exec      the arguments are a program and its arguments, executed in place of this script
#               (no shell, nothing printed): it keeps this script's pid, so whoever started the
#               script can signal the program and read its /proc/PID (bench/control-plane.sh runs
#               tollgated so and measures its RSS and CPU).
set -euo pipefail
root=${TOLLGATE_TRIXIE_ROOT:-/var/tmp/trixie-root}
wt=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$wt/scripts/find-jdk.sh" >/dev/null
repo=${MAVEN_REPO:-$(printf '%s\n' ${MAVEN_ARGS:-} | sed -n 's/^-Dmaven.repo.local=//p')}
repo=${repo:-$HOME/.m2/repository}
mode=shell binds=()
while [ $# -gt 0 ]; do
    case $1 in
        --bind) [ $# -ge 2 ] && [ -d "$2" ] || { echo "in-trixie-root: --bind needs an existing directory (got '${2:-}')" >&2; exit 1; }
                binds+=("$(cd "$2" && pwd)"); shift 2 ;;
        --exec) mode=exec; shift ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: in-trixie-root.sh [--bind DIR]... [--exec] COMMAND..." >&2; exit 1; }
[ -x "$root/bin/bash" ] || { echo "in-trixie-root: no root at $root (run scripts/trixie-root.sh)" >&2; exit 1; }
[ "$mode" = exec ] || set -- "$*"
# Every step execs the next (unshare without --fork, bash, chroot, env): in --exec mode the
# program ends up with this script's pid.
exec unshare --mount --propagation private bash -euo pipefail -c '
root=$1 wt=$2 jdk=$3 repo=$4 mode=$5 nbinds=$6; shift 6
binds=("${@:1:nbinds}"); shift "$nbinds"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mkdir -p "$root/tmp" && mount -t tmpfs tmpfs "$root/tmp"
for d in "$wt" "$repo" "$jdk" "$HOME/.m2" "${binds[@]}"; do mkdir -p "$root$d" "$d"; mount --bind "$d" "$root$d"; done
path="$jdk/bin:/usr/sbin:/usr/bin:/sbin:/bin"
if [ "$mode" = exec ]; then
    exec chroot "$root" /usr/bin/env -C "$wt" JAVA_HOME="$jdk" PATH="$path" MAVEN_ARGS=-Dmaven.repo.local="$repo" "$@"
fi
exec chroot "$root" /bin/bash -c "cd \"$wt\" && ldd --version | head -1 && export JAVA_HOME=\"$jdk\" PATH=\"$path\" MAVEN_ARGS=-Dmaven.repo.local=\"$repo\" && $1"
' in-trixie-root "$root" "$wt" "$JAVA_HOME" "$repo" "$mode" "${#binds[@]}" "${binds[@]}" "$@"
