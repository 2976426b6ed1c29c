package dev.tollgate.units;

/**
 * A unit file's enablement state, as {@code systemctl list-unit-files} and {@code UnitFileState=}
 * spell it (systemd's {@code unit_file_state_table}). Those tollgate has no use for (runtime,
 * generated) are left out: tollgate enables only in its first search directory and has no
 * generators.
 */
public enum UnitFileState {
    /** Linked where its {@code [Install]} section says ({@code WantedBy=}, {@code RequiredBy=}, {@code Alias=}). */
    ENABLED("enabled"),
    /** The file is a link to a file outside the search path, and not enabled. */
    LINKED("linked"),
    /** Another name of a unit file: a link to a unit file in the search path. */
    ALIAS("alias"),
    /** An empty file or a link to {@code /dev/null}. */
    MASKED("masked"),
    /** No {@code [Install]} rules, and nothing links to it. */
    STATIC("static"),
    /** Linked under another name (a template's instances), or enabled only through {@code Also=}. */
    INDIRECT("indirect"),
    /** Has {@code [Install]} rules, none of them carried out. */
    DISABLED("disabled"),
    /** Made at run time ({@code tollctl run}), not read from a file in the search path. */
    TRANSIENT("transient"),
    /** The file cannot be read. */
    BAD("bad");

    private final String spelling;

    UnitFileState(String spelling) {
        this.spelling = spelling;
    }

    /** As systemctl prints it: {@code enabled}, {@code static}, ... */
    public String spelling() {
        return spelling;
    }

    @Override
    public String toString() {
        return spelling;
    }
}
