#!/usr/bin/env bash
# Builds tollgate's runtime image (jlink) and its Debian package, into packaging/target/:
#
#   packaging/target/deb/root/                 the package's file tree; usr/lib/tollgate is a
#                                              self-contained installation (bin, lib, runtime)
#   packaging/target/tollgate_VERSION_ARCH.deb
#
# Usage: packaging/deb/build.sh [--rebuild | --no-build]
#   (default)   run Maven when the distribution (packaging/target/tollgate) is missing or
#               older than a source file or pom of the modules in it
#   --rebuild   always run Maven first
#   --no-build  never run Maven; use the distribution as it is
# Environment:
#   MAVEN_ARGS            extra Maven arguments (Maven reads it itself), e.g. MAVEN_ARGS=-o
#   TOLLGATE_DEB_VERSION  the package version (default: the pom's, a -SNAPSHOT as ~SNAPSHOT
#                         plus the commit's date and hash)
#   TOLLGATE_MAINTAINER   the Maintainer field
set -euo pipefail

deb_src=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$deb_src/../.." && pwd)
packaging=$repo/packaging
target=$packaging/target
dist=$target/tollgate
work=$target/deb
root=$work/root
prefix=usr/lib/tollgate
inst=$root/$prefix

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'build.sh: warning: %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

build=auto
case "${1:-}" in
    "") ;;
    --rebuild) build=always ;;
    --no-build) build=never ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (--rebuild, --no-build, --help)" ;;
esac

. "$repo/scripts/find-jdk.sh"
for tool in jlink jdeps; do
    [ -x "$JAVA_HOME/bin/$tool" ] || die "$JAVA_HOME has no bin/$tool: a full JDK is needed to build the runtime image"
done
for tool in dpkg dpkg-deb gzip md5sum; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg gzip coreutils)"
done

# ---- the distribution ------------------------------------------------------------------------
# The modules whose jars make up the distribution; a change to one of them means a rebuild.
modules=(libc bpf-syscall cgroup-model units accounting varlink api daemon cli packaging)

dist_is_stale() {
    [ -x "$dist/bin/tollgated" ] && [ -x "$dist/bin/tollctl" ] || { echo "no distribution yet"; return 0; }
    local m jar ref changed newest
    # What a build writes last (Ant copies a launcher only when its source changed).
    newest=$(ls -t "$dist"/bin/* "$dist"/lib/* | head -1)
    for m in "${modules[@]}"; do
        # Each module against its own jar in lib/; packaging (launchers, AOT step) against the newest.
        if [ "$m" = packaging ]; then
            ref=$newest
        else
            jar=$(ls "$dist/lib/$m"-*.jar 2>/dev/null | head -1)
            [ -n "$jar" ] || { echo "lib/ has no $m jar"; return 0; }
            ref=$jar
        fi
        changed=$(find "$repo/$m/src/main" "$repo/$m/pom.xml" -newer "$ref" -type f -print -quit 2>/dev/null)
        [ -z "$changed" ] || { echo "${changed#"$repo"/} is newer than ${ref#"$repo"/}"; return 0; }
    done
    changed=$(find "$repo/pom.xml" "$repo/scripts/find-jdk.sh" -newer "$newest" -print -quit)
    [ -z "$changed" ] || { echo "${changed#"$repo"/} is newer than the distribution"; return 0; }
    return 1
}

why=""
if [ "$build" = always ] || { [ "$build" = auto ] && why=$(dist_is_stale); }; then
    step "Building the distribution with Maven${why:+ ($why)}"
    (cd "$repo" && ./mvnw --batch-mode --no-transfer-progress -q -DskipTests install -pl packaging -am)
else
    step "Using the distribution in ${dist#"$repo"/} ($([ "$build" = never ] && echo "--no-build" || echo "up to date"))"
fi
[ -x "$dist/bin/tollgated" ] && [ -x "$dist/bin/tollctl" ] || die "$dist has no bin/tollgated and bin/tollctl"

# ---- version and architecture ------------------------------------------------------------------
pom_version=$(sed -n '/<artifactId>tollgate<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' "$repo/pom.xml" | head -1)
[ -n "$pom_version" ] || die "cannot read the version from $repo/pom.xml"
commit_epoch=""; commit_id=""
if git -C "$repo" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    commit_epoch=$(git -C "$repo" log -1 --format=%ct)
    commit_id=$(git -C "$repo" log -1 --format=%h)
fi
if [ -n "${TOLLGATE_DEB_VERSION:-}" ]; then
    version=$TOLLGATE_DEB_VERSION
elif [[ $pom_version == *-SNAPSHOT ]]; then
    # ~ sorts before the release (0.1.0~SNAPSHOT < 0.1.0); the commit date orders snapshots.
    version=${pom_version%-SNAPSHOT}~SNAPSHOT
    [ -n "$commit_epoch" ] && version+="+git$(date -u -d "@$commit_epoch" +%Y%m%d%H%M%S).$commit_id"
else
    version=$pom_version
fi
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "'$version' is not a Debian version"
arch=$(dpkg --print-architecture)
# Reproducible timestamps in the package (dpkg-deb clamps file times to it).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-${commit_epoch:-$(date +%s)}}
note "package tollgate $version ($arch), from pom version $pom_version"

# ---- the tree under usr/lib/tollgate ------------------------------------------------------------
step "Staging ${root#"$repo"/}"
rm -rf "$work"
mkdir -p "$inst"
cp -a "$dist/bin" "$dist/lib" "$inst/"
# A cache from the build's JDK cannot be used by the runtime image (see "AOT cache" below).
dist_aot=""
if [ -f "$inst/lib/tollctl.aot" ]; then dist_aot=$dist/lib/tollctl.aot; rm -f "$inst/lib/tollctl.aot"; fi
rm -f "$inst/lib/tollgated.aot" # written again by the runtime image, below
mkdir -p "$inst/units"   # the last directory of the default unit search path, for vendors' units

# ---- runtime image ----------------------------------------------------------------------------
# The modules: what jdeps finds the jars use, without jackson-databind's optional ones.
# jackson-databind declares java.desktop (java.beans), java.sql and java.xml as `requires static`
# and loads its support for them by name only when a type from them is (de)serialized, which
# tollgate never does; micrometer-core uses them only in binders tollgate does not register
# (JDBC, Log4j2). Together they are 34 MB of the image. jdk.unsupported (sun.misc.Signal:
# SIGHUP), jdk.net (SO_PEERCRED) and jdk.httpserver (metrics over HTTP) are found by jdeps and
# required here anyway, so that a change to the static analysis cannot drop them silently.
step "Runtime image (jlink)"
optional_modules=(java.desktop java.sql java.xml)
required_modules=(java.base java.logging jdk.unsupported jdk.net jdk.httpserver)
jars=("$inst"/lib/*.jar)
# On the module path: tollgate's jars are modules (module-info.java) that require the others by
# name, which jdeps resolves only there (with --class-path it stops at "Module … not found").
deps=$("$JAVA_HOME/bin/jdeps" --list-deps --ignore-missing-deps --multi-release 25 \
        --module-path "$inst/lib" "${jars[@]}" 2>/dev/null | sed -n 's/^ *\([a-z][a-z0-9.]*\) *$/\1/p') \
    || die "jdeps failed"
wanted=$( { printf '%s\n' $deps; printf '%s\n' "${required_modules[@]}"; } | sort -u \
    | grep -vxF -f <(printf '%s\n' "${optional_modules[@]}") | paste -sd, -)
note "jdeps: $(echo $deps | tr ' ' ,)"
note "image: $wanted"
"$JAVA_HOME/bin/jlink" --add-modules "$wanted" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive --output "$inst/runtime" 2>&1 | grep -v '^Created CDS archive successfully$' | sed 's/^/    jlink: /' || true
[ -x "$inst/runtime/bin/java" ] || die "jlink made no runtime/bin/java"
# Only java is used; keytool and jwebserver came with java.base and jdk.httpserver. The
# archive for heaps without compressed oops (> 32 GB) is 14 MB that tollgate never uses.
find "$inst/runtime/bin" -type f ! -name java -delete
rm -f "$inst/runtime/lib/server/classes_nocoops.jsa"
# --strip-debug leaves the JDK's native symbol tables; Debian packages ship binaries stripped
# (the dynamic symbols stay, and the CDS archive still maps).
if command -v strip >/dev/null; then
    find "$inst/runtime" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jexec -o -name jspawnhelper \) \
        -exec strip --strip-unneeded {} +
else
    warn "strip is missing (apt-get install binutils): the runtime's native code keeps its symbol tables"
fi
note "$(du -sh "$inst/runtime" | cut -f1) in runtime/ ($("$inst/runtime/bin/java" -version 2>&1 | head -1))"

step "Checking the launchers with the image"
help=$("$inst/bin/tollgated" --help 2>&1) || die "tollgated --help with the image failed:
$help"
grep -q '^Usage: tollgated' <<<"$help" || die "tollgated --help printed no usage: $help"
note "tollgated --help: ok"
tollctl_ok=no
if "$JAVA_HOME/bin/jar" tf "$(ls "$inst"/lib/cli-*.jar | head -1)" | grep -qx 'dev/tollgate/cli/Tollctl.class'; then
    help=$("$inst/bin/tollctl" --help 2>&1) || die "tollctl --help with the image failed:
$help"
    grep -qi 'usage' <<<"$help" || die "tollctl --help printed no usage: $help"
    note "tollctl --help: ok"
    tollctl_ok=yes
else
    warn "this build has no tollctl yet (no dev.tollgate.cli.Tollctl in lib/cli-*.jar): the package's tollctl will not run"
fi

# ---- AOT cache ---------------------------------------------------------------------------------
# bin/tollctl passes lib/tollctl.aot to the JVM when it exists. An AOT cache works only with the
# very JVM image that wrote it: one written by the build's JDK (packaging/pom.xml, execution
# tollctl-aot) makes the runtime image print "Unable to map shared spaces" and start without it.
# So the runtime image writes it again here, with the same training run, class path and flags as
# the pom (moving the tree to /usr/lib/tollgate afterwards is fine: the JDK accepts a relocated
# class path). Either way the launcher itself must then load it with -XX:AOTMode=on, which fails
# instead of falling back; that also catches a launcher whose class path or flags drifted.
aot_loads() {
    TOLLCTL_JAVA_OPTS=-XX:AOTMode=on "$inst/bin/tollctl" --version >/dev/null 2>"$work/aot-check.log"
}
if [ -n "$dist_aot" ] && [ "$tollctl_ok" = yes ]; then
    step "AOT cache for tollctl"
    cp "$dist_aot" "$inst/lib/tollctl.aot"
    if aot_loads; then
        note "the distribution's cache loads with the runtime image: kept"
    else
        note "the distribution's cache does not load with the runtime image ($(grep -m1 . "$work/aot-check.log" || true)): writing it again"
        rm -f "$inst/lib/tollctl.aot"
        # bin/tollctl's class path, in its order, and the flags of its JVM and of the pom's run.
        aot_cp=""
        for jar in "$inst"/lib/cli-*.jar "$inst"/lib/api-*.jar "$inst"/lib/varlink-*.jar "$inst"/lib/jackson-databind-*.jar \
                "$inst"/lib/jackson-core-*.jar "$inst"/lib/jackson-annotations-*.jar "$inst"/lib/picocli-*.jar; do
            aot_cp+=${aot_cp:+:}$jar
        done
        if "$inst/runtime/bin/java" -XX:AOTCacheOutput="$inst/lib/tollctl.aot" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
                -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr -Xlog:aot=error:stderr \
                -cp "$aot_cp" dev.tollgate.cli.AotTraining >"$work/aot-training.log" 2>&1 && aot_loads; then
            note "written by the runtime image's JVM (training: dev.tollgate.cli.AotTraining), $(du -h "$inst/lib/tollctl.aot" | cut -f1); bin/tollctl loads it"
        else
            rm -f "$inst/lib/tollctl.aot"
            warn "the runtime image could not write a tollctl AOT cache that bin/tollctl loads (see $work/aot-training.log and $work/aot-check.log): the package has none"
        fi
    fi
    rm -f "$inst/lib/tollctl.aot.config"
fi
# bin/tollgated's cache: its training run boots real services (root, cgroup v2, bpf), through the
# launcher itself (TOLLGATED_AOT_TRAINING), which runs it on the runtime image with its own flags
# and class path; kept only if the launcher then loads it with -XX:AOTMode=on.
step "AOT cache for tollgated"
if TOLLGATED_AOT_TRAINING="$inst/lib/tollgated.aot" "$inst/bin/tollgated" >"$work/tollgated-aot-training.log" 2>&1 \
        && TOLLGATED_JAVA_OPTS=-XX:AOTMode=on "$inst/bin/tollgated" --version >/dev/null 2>"$work/tollgated-aot-check.log"; then
    note "$(grep -m1 'AOT training' "$work/tollgated-aot-training.log" || true); $(du -h "$inst/lib/tollgated.aot" | cut -f1); bin/tollgated loads it"
else
    rm -f "$inst/lib/tollgated.aot"
    warn "no tollgated AOT cache in the package (see $work/tollgated-aot-training.log and $work/tollgated-aot-check.log)"
fi
rm -f "$inst/lib/tollgated.aot.config"

# ---- bash completion -----------------------------------------------------------------------------
step "Bash completion"
completion_dir=$root/usr/share/bash-completion/completions
if [ "$tollctl_ok" = yes ] && out=$("$inst/bin/tollctl" completion bash 2>"$work/completion.err") \
        && grep -q 'complete ' <<<"$out"; then
    mkdir -p "$completion_dir"
    # bash-completion sources the file; a #! line would only say it is meant to be run.
    printf '%s\n' "$out" | sed '1{/^#!/d}' >"$completion_dir/tollctl"
    note "usr/share/bash-completion/completions/tollctl from 'tollctl completion bash'"
else
    warn "skipping bash completion: 'tollctl completion bash' is not available in this build ($(head -1 "$work/completion.err" 2>/dev/null || echo 'no tollctl'))"
fi

# ---- man pages -----------------------------------------------------------------------------------
step "Man pages"
man_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
for page in tollgated.8 tollctl.1 tollgate.unit.5; do
    section=${page##*.}
    mkdir -p "$root/usr/share/man/man$section"
    sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$man_date/g" "$packaging/man/$page" >"$work/$page"
    if command -v groff >/dev/null; then
        problems=$(LC_ALL=C.UTF-8 groff -t -man -Tutf8 -ww -z "$work/$page" 2>&1 || true)
        [ -z "$problems" ] || die "groff warns about $page:
$problems"
    fi
    gzip -9n <"$work/$page" >"$root/usr/share/man/man$section/$page.gz"
    note "usr/share/man/man$section/$page.gz"
done
command -v groff >/dev/null || warn "groff is missing (apt-get install groff-base): man pages not checked"

# The man pages are written by hand: say when the commands have an option or verb they lack.
doc_drift() {   # PAGE COMMAND-HELP-TEXT
    local page=$1 text=$2 word missing=()
    local roff
    roff=$(sed 's/\\-/-/g' "$packaging/man/$page")
    for word in $(grep -oE -- '--[a-z][a-z-]*' <<<"$text" | sort -u); do
        grep -qF -- "$word" <<<"$roff" || missing+=("$word")
    done
    [ ${#missing[@]} -eq 0 ] || warn "$page does not mention ${missing[*]}"
}
doc_drift tollgated.8 "$("$inst/bin/tollgated" --help 2>&1)"
if [ "$tollctl_ok" = yes ]; then
    verbs=$("$inst/bin/tollctl" --help 2>&1 | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
    roff=$(sed 's/\\-/-/g' "$packaging/man/tollctl.1")
    for v in $verbs; do
        grep -qE "^\.B(I|R)? $v( |$)" <<<"$roff" || warn "tollctl.1 has no entry for the verb $v"
        doc_drift tollctl.1 "$("$inst/bin/tollctl" "$v" --help 2>&1)"
    done
fi

# ---- the rest of the tree ------------------------------------------------------------------------
step "systemd unit, configuration, links"
install -D -m 0644 "$packaging/systemd/tollgated.service" "$root/lib/systemd/system/tollgated.service"
install -D -m 0644 "$packaging/systemd/tollgated.conf" "$root/etc/tollgate/tollgated.conf"
mkdir -p "$root/etc/tollgate/units" "$root/usr/bin"
ln -s "../lib/tollgate/bin/tollgated" "$root/usr/bin/tollgated"
ln -s "../lib/tollgate/bin/tollctl" "$root/usr/bin/tollctl"
install -D -m 0644 "$repo/README.md" "$root/usr/share/doc/tollgate/README.md"
# Monitoring a fleet: a scrape configuration with the rules (prometheus.yml names the rules file
# beside it) and their unit tests, and a Grafana dashboard (tollgated(8), MONITORING).
for f in prometheus.yml tollgate.rules.yml tollgate.rules.test.yml; do
    install -D -m 0644 "$packaging/prometheus/$f" "$root/usr/share/tollgate/prometheus/$f"
done
install -D -m 0644 "$packaging/grafana/tollgate-dashboard.json" "$root/usr/share/tollgate/grafana/tollgate-dashboard.json"
if command -v promtool >/dev/null; then
    check=$(cd "$root/usr/share/tollgate/prometheus" && promtool check config prometheus.yml 2>&1 \
        && promtool test rules tollgate.rules.test.yml 2>&1) || die "promtool rejects the packaged Prometheus files:
$check"
    note "usr/share/tollgate/prometheus: promtool check config and test rules pass"
else
    warn "promtool is missing (apt-get install prometheus): the packaged rules are not checked"
fi
install -D -m 0644 "$deb_src/lintian-overrides" "$root/usr/share/lintian/overrides/tollgate"
maintainer=${TOLLGATE_MAINTAINER:-tollgate developers <dev@tollgate.dev>}
{
    printf 'tollgate (%s) UNRELEASED; urgency=medium\n\n' "$version"
    printf '  * Built by packaging/deb/build.sh from %s.\n\n' "${commit_id:+commit $commit_id}${commit_id:-a tree without git}"
    printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/usr/share/doc/tollgate/changelog.gz"

# systemd-analyze verify needs the units a service depends on (sysinit.target, ...) and the
# commands it runs, under one root: the host's systemd units, its kill, and the package's files.
if command -v systemd-analyze >/dev/null && [ -d /usr/lib/systemd/system ]; then
    step "systemd-analyze verify"
    vroot=$work/verify-root
    mkdir -p "$vroot/usr/lib/systemd" "$vroot/usr/bin" "$vroot/$prefix/bin"
    ln -s usr/lib "$vroot/lib"
    ln -s usr/bin "$vroot/bin"
    cp -a /usr/lib/systemd/system "$vroot/usr/lib/systemd/"
    cp -a "$root/lib/systemd/system/tollgated.service" "$vroot/usr/lib/systemd/system/"
    cp -a "$root/usr/bin/tollgated" "$vroot/usr/bin/"
    cp -a "$inst/bin/tollgated" "$vroot/$prefix/bin/"
    cp -aL /bin/kill "$vroot/usr/bin/kill"   # ExecReload=/bin/kill
    verify=$(systemd-analyze verify --man=no --root="$vroot" tollgated.service 2>&1) || die "systemd-analyze verify failed:
$verify"
    [ -z "$verify" ] || die "systemd-analyze verify has something to say about tollgated.service:
$verify"
    note "tollgated.service: no findings"
    rm -rf "$vroot"
fi

# ---- DEBIAN/ ----------------------------------------------------------------------------------------
step "Control files"
mkdir -p "$root/DEBIAN"
libc=libc6
if command -v dpkg-shlibdeps >/dev/null; then
    # dpkg-shlibdeps wants a source package around the files it reads.
    mkdir -p "$work/shlibs/debian"
    printf 'Source: tollgate\n\nPackage: tollgate\nArchitecture: any\n' >"$work/shlibs/debian/control"
    mapfile -t elfs < <(find "$inst/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \))
    shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -l"$inst/runtime/lib" -l"$inst/runtime/lib/server" "${elfs[@]}" 2>/dev/null \
        | sed -n 's/^shlibs:Depends=//p')
    [ -n "$shlibs" ] && libc=$shlibs
else
    warn "dpkg-shlibdeps is missing (apt-get install dpkg-dev): Depends has libc6 without a version"
fi
# bash and util-linux are essential; they are named (with the versions that brought what tollgated
# execs for every service: setsid and setpriv --init-groups, bash's exec -a) because tollgated
# cannot work without them, as the design says.
depends="bash (>= 4.0), util-linux (>= 2.23), $libc"
installed_size=$(du -sk --apparent-size "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: tollgate
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Recommends: bpftool
Section: admin
Priority: optional
Homepage: https://tollgate.dev
Description: services with per-unit IP accounting and IP firewall (cgroup BPF)
 tollgate runs services from systemd-style unit files in a cgroup v2 tree of
 slices and services, and attaches IP accounting and IP address firewall eBPF
 programs to their cgroups, with systemd's directives and semantics
 (IPAccounting=, IPAddressAllow=, IPAddressDeny=, SocketBindAllow=, ...) and
 counters that agree with systemd's, plus dropped packets per unit.
 .
 tollgated is the daemon: under systemd it manages its own delegated subtree
 (tollgated.service), elsewhere (containers, VMs, appliances) a cgroup root of
 its own. tollctl is its systemctl-like client over Varlink. A crash of
 tollgated stops nothing: the next one takes the running units over.
 .
 The package brings its own Java runtime (a jlink image), so it needs no JDK.
EOF
printf '/etc/tollgate/tollgated.conf\n' >"$root/DEBIAN/conffiles"
install -m 0755 "$deb_src/postinst" "$deb_src/prerm" "$deb_src/postrm" "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f ! -path ./etc/tollgate/tollgated.conf -printf '%P\0' \
    | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# Files as a package has them, whatever the umask of the build was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -path "$root/DEBIAN" -prune -o -type f -perm /111 -exec chmod 0755 {} + \
    -o -type f -exec chmod 0644 {} +
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

step "Package"
deb=$target/tollgate_${version}_${arch}.deb
rm -f "$target"/tollgate_*.deb
dpkg-deb --build --root-owner-group "$root" "$deb" | sed 's/^/    /'
note "$(du -h "$deb" | cut -f1), installs $((installed_size / 1024)) MiB"
if command -v lintian >/dev/null; then
    step "lintian (for information)"
    lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v '^running with root privileges' | sed 's/^/    /' || true
fi
echo
echo "$deb"
