#!/usr/bin/env bash
# Runs a command of this worktree inside the Debian trixie root (glibc 2.41, so tollgated's
# Spawner takes its pidfd_spawn + CLONE_INTO_CGROUP path), in a private mount namespace with
# /proc, /sys (cgroup2, bpffs), /dev, the JDK, the worktree, the Maven repository and ~/.m2
# mounted; nothing is mounted on the host. Needs root and scripts/trixie-root.sh's root.
#   sudo scripts/in-trixie-root.sh "./mvnw -B -o verify -pl system-tests -Dtest='SpawnTest,DaemonServiceTest#aDatagramSentAsTheServicesFirstActIsCounted' -Dsurefire.failIfNoSpecifiedTests=false"
# (install the modules first with the host's ./mvnw, or prefix the command with an install.)
set -euo pipefail
root=${TOLLGATE_TRIXIE_ROOT:-/var/tmp/trixie-root}
wt=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$wt/scripts/find-jdk.sh" >/dev/null
repo=${MAVEN_REPO:-$(printf '%s\n' ${MAVEN_ARGS:-} | sed -n 's/^-Dmaven.repo.local=//p')}
repo=${repo:-$HOME/.m2/repository}
[ -x "$root/bin/bash" ] || { echo "in-trixie-root: no root at $root (run scripts/trixie-root.sh)" >&2; exit 1; }
exec unshare --mount --propagation private bash -euo pipefail -c '
root=$1 wt=$2 jdk=$3 repo=$4 cmd=$5
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mkdir -p "$root/tmp" && mount -t tmpfs tmpfs "$root/tmp"
for d in "$wt" "$repo" "$jdk" "$HOME/.m2"; do mkdir -p "$root$d" "$d"; mount --bind "$d" "$root$d"; done
chroot "$root" /bin/bash -c "cd \"$wt\" && ldd --version | head -1 && export JAVA_HOME=\"$jdk\" PATH=\"$jdk/bin:/usr/sbin:/usr/bin:/sbin:/bin\" MAVEN_ARGS=-Dmaven.repo.local=\"$repo\" && $cmd"
' in-trixie-root "$root" "$wt" "$JAVA_HOME" "$repo" "$*"
