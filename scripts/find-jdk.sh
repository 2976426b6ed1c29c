# Sourced by ./dev and the launchers: sets JAVA_HOME to a JDK that can build and run tollgate.
# Order: $JAVA_HOME if suitable, then `java` on PATH, then the JDKs installed in the usual
# places (highest version first). tollgate is compiled for release 25 and uses FFM.
TOLLGATE_MIN_JDK=${TOLLGATE_MIN_JDK:-25}

# Prints the feature version of the JDK at $1 (e.g. 25), or nothing.
tollgate_jdk_version() {
    local home=$1 v=""
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
    if [ -r "$home/release" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    fi
    if [ -z "$v" ]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
    fi
    printf '%s' "$v"
}

tollgate_find_jdk() {
    local candidates=() c v best="" best_v=0
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v java >/dev/null 2>&1; then
        c=$(readlink -f "$(command -v java)"); candidates+=("${c%/bin/java}")
    fi
    for c in /usr/lib/jvm/* /opt/java/* /opt/*jdk* /usr/local/*jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [ -d "$c" ] && candidates+=("$c")
    done
    # JAVA_HOME wins when it is suitable; otherwise take the newest suitable one.
    if [ -n "${JAVA_HOME:-}" ]; then
        v=$(tollgate_jdk_version "$JAVA_HOME")
        if [ -n "$v" ] && [ "$v" -ge "$TOLLGATE_MIN_JDK" ]; then
            printf '%s' "$JAVA_HOME"; return 0
        fi
    fi
    for c in "${candidates[@]}"; do
        v=$(tollgate_jdk_version "$c")
        if [ -n "$v" ] && [ "$v" -ge "$TOLLGATE_MIN_JDK" ] && [ "$v" -gt "$best_v" ]; then
            best=$c; best_v=$v
        fi
    done
    [ -n "$best" ] || return 1
    printf '%s' "$best"
}

if jdk=$(tollgate_find_jdk); then
    export JAVA_HOME=$jdk
    export PATH="$JAVA_HOME/bin:$PATH"
else
    echo "tollgate needs a JDK ${TOLLGATE_MIN_JDK} or newer and found none (JAVA_HOME, PATH, /usr/lib/jvm): install one (e.g. Temurin 25, or 'apt-get install openjdk-25-jdk' where your release has it) or set JAVA_HOME." >&2
    return 1 2>/dev/null || exit 1
fi
unset jdk
