#!/usr/bin/env bash
# Ensures a minimal Debian trixie root (systemd 257, whose varlinkctl the tests run against
# tollgated) at $TOLLGATE_TRIXIE_ROOT, default /var/tmp/trixie-root: the same path and
# packages as ../shared/systemd-oracle/setup-257.sh, so one root serves both.
#
# Exit 0: the root is there (reused when its varlinkctl runs, else built).
# Exit 2: debootstrap could not reach the archive; the last line on stdout says so, and CI
#         passes it on to the tests, which then skip with that reason.
# Exit 1: anything else (not root, a broken build, …): CI fails.
#
# The build goes into a temporary directory beside the root and is renamed into place when
# complete, so an interrupted build never leaves a half root; a leftover temporary directory
# is removed by the next run. A lock keeps two runs from building at once.
set -euo pipefail

root=${TOLLGATE_TRIXIE_ROOT:-/var/tmp/trixie-root}
suite=trixie
packages=systemd,dbus,python3,iproute2

say() { echo "trixie-root: $*" >&2; }

usable() { chroot "$1" varlinkctl --version >/dev/null 2>&1; }

# A Debian archive from the machine's apt sources: a URL whose suite is a Debian one (not
# -security) with component main, in one-line or deb822 format. Other repositories (e.g.
# deb.nodesource.com) come first on some machines and have no trixie.
debian_mirror() {
    local debian='^(buster|bullseye|bookworm|trixie|forky|sid|oldstable|stable|testing|unstable)(-updates|-backports)?$'
    local apt=${1:-/etc/apt} files=() f
    for f in "$apt"/sources.list "$apt"/sources.list.d/*.list "$apt"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    awk -v debian="$debian" '
        function consider(uris, suites, comps,   u, s, nu, ns, i, j) {
            if (comps !~ /(^| )main( |$)/) return
            nu = split(uris, u, " "); ns = split(suites, s, " ")
            for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                if (s[j] ~ debian && u[i] ~ /^https?:\/\// && !found) { print u[i]; found = 1 }
        }
        FNR == 1 { flush() }
        /^[ \t]*#/ { next }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            key = tolower($1); sub(/^[^:]*:[ \t]*/, "")
            if (key == "types:") types = $0
            else if (key == "uris:") uris = $0
            else if (key == "suites:") suites = $0
            else if (key == "components:") comps = $0
            else if (key == "enabled:") enabled = $0
            next
        }
        $1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            c = ""; for (k = i + 2; k <= NF; k++) c = c " " $k
            consider($i, $(i + 1), c)
        }
        function flush() {
            if (types ~ /(^| )deb( |$)/ && enabled !~ /^no/) consider(uris, suites, comps)
            types = uris = suites = comps = enabled = ""
        }
        END { flush() }
    ' "${files[@]}"
}

# Removes a leftover build directory: first whatever debootstrap had mounted in it.
remove_build() {
    local dir=$1 mnt
    while read -r mnt; do
        umount -l "$mnt" 2>/dev/null || true
    done < <(awk -v d="$dir/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    rm -rf --one-file-system "$dir"
}

if [ "$(id -u)" != 0 ]; then
    say "needs root (debootstrap and chroot)"
    exit 1
fi

exec 9>"$root.lock"
flock 9

# A debootstrap writing into the root itself (e.g. setup-257.sh's) is left to finish.
while pgrep -f -- "debootstrap .* $root( |\$)" >/dev/null; do
    say "waiting for the debootstrap already building $root"
    sleep 5
done

if [ -d "$root" ] && usable "$root"; then
    say "reusing $root ($(chroot "$root" varlinkctl --version | head -1))"
    exit 0
fi

for old in "$root".build.*; do
    [ -e "$old" ] || continue
    say "removing an interrupted build: $old"
    remove_build "$old"
done

if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

mirror=${TOLLGATE_DEBIAN_MIRROR:-$(debian_mirror | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}
build=$(mktemp -d "$root.build.XXXXXX")
chmod 0755 "$build"   # mktemp makes it 0700; it becomes the root directory of the chroot
log="$root.log"
say "building $root from $mirror (log: $log)"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$build" "$mirror" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    # What debootstrap says when a download fails (functions: NOGETREL, NOGETRELSIG,
    # COULDNTDL, COULDNTDLPKGS); anything else is a failure of the build.
    download=$(grep -m1 -E "^E: (Failed getting release (signature )?file|Couldn't download)" "$log" || true)
    remove_build "$build"
    if [ -n "$download" ]; then
        # A server that answers with an HTTP error (wget's exit status 8) is there: the
        # mirror URL is wrong, which must not pass as an unreachable archive.
        probe=0
        wget -q -O /dev/null --tries=1 --timeout=60 "$mirror/dists/$suite/Release" || probe=$?
        if [ "$probe" != 8 ]; then
            echo "debootstrap could not reach the archive $mirror (${download#E: })"
            exit 2
        fi
        say "$mirror answers, but with an error for dists/$suite/Release: is it a Debian archive?"
    fi
    say "debootstrap failed (see $log)"
    exit 1
fi
if ! usable "$build"; then
    say "the new root has no working varlinkctl (see $log)"
    remove_build "$build"
    exit 1
fi
if [ -e "$root" ] && usable "$root"; then
    say "$root was built by someone else meanwhile; keeping it"
    remove_build "$build"
    exit 0
fi
if [ -e "$root" ]; then
    # A root that does not work (e.g. from an older package set): set aside, then removed.
    mv -T "$root" "$build.old"
fi
mv -T "$build" "$root"
if [ -e "$build.old" ]; then
    remove_build "$build.old"
fi
say "built $root ($(chroot "$root" varlinkctl --version | head -1))"
