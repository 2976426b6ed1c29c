# Sourced by ./dev and the launchers: sets JAVA_HOME to a JDK that can build and run tollgate.
# Order: $JAVA_HOME if suitable, then `java` on PATH, then the JDKs installed in the usual
# places (highest version first). tollgate is compiled for release 25 and uses FFM.
# The launchers pay for every process this starts (tollgated's boot, every tollctl query):
# versions are read from each JDK's release file by bash itself, and the functions set
# variables instead of printing into command substitutions (subshells).
TOLLGATE_MIN_JDK=${TOLLGATE_MIN_JDK:-25}

# Sets tollgate_jdk_v to the feature version of the JDK at $1 (e.g. 25), or to nothing.
tollgate_jdk_version() {
    local home=$1 line
    tollgate_jdk_v=""
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
    if [ -r "$home/release" ]; then
        while IFS= read -r line; do
            if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then tollgate_jdk_v=${BASH_REMATCH[1]}; break; fi
        done < "$home/release"
    fi
    if [ -z "$tollgate_jdk_v" ]; then
        tollgate_jdk_v=$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
    fi
}

# Sets tollgate_jdk to the JDK to use; fails if there is none.
tollgate_find_jdk() {
    local candidates=() c best="" best_v=0
    tollgate_jdk=""
    # JAVA_HOME wins when it is suitable; otherwise take the newest suitable one.
    if [ -n "${JAVA_HOME:-}" ]; then
        tollgate_jdk_version "$JAVA_HOME"
        if [ -n "$tollgate_jdk_v" ] && [ "$tollgate_jdk_v" -ge "$TOLLGATE_MIN_JDK" ]; then
            tollgate_jdk=$JAVA_HOME; return 0
        fi
    fi
    if c=$(type -P java); then
        c=$(readlink -f "$c"); candidates+=("${c%/bin/java}")
    fi
    for c in /usr/lib/jvm/* /opt/java/* /opt/*jdk* /usr/local/*jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [ -d "$c" ] && candidates+=("$c")
    done
    for c in "${candidates[@]}"; do
        tollgate_jdk_version "$c"
        if [ -n "$tollgate_jdk_v" ] && [ "$tollgate_jdk_v" -ge "$TOLLGATE_MIN_JDK" ] && [ "$tollgate_jdk_v" -gt "$best_v" ]; then
            best=$c; best_v=$tollgate_jdk_v
        fi
    done
    [ -n "$best" ] || return 1
    tollgate_jdk=$best
}

if tollgate_find_jdk; then
    export JAVA_HOME=$tollgate_jdk
    export PATH="$JAVA_HOME/bin:$PATH"
else
    echo "tollgate needs a JDK ${TOLLGATE_MIN_JDK} or newer and found none (JAVA_HOME, PATH, /usr/lib/jvm): install one (e.g. Temurin 25, or 'apt-get install openjdk-25-jdk' where your release has it) or set JAVA_HOME." >&2
    return 1 2>/dev/null || exit 1
fi
unset tollgate_jdk tollgate_jdk_v
