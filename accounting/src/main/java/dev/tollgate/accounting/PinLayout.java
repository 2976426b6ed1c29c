package dev.tollgate.accounting;

import java.nio.file.Path;

/**
 * Where a unit's and a slice's kernel objects are pinned under the bpffs directory:
 * {@code units/NAME/} and {@code slices/NAME/}. bpffs refuses names with a dot, so the dot
 * of a unit name becomes a comma, a character unit names never hold.
 */
public record PinLayout(Path root) {
    public static final String COUNTERS = "counters";
    public static final String POLICY = "policy";
    /** A unit's drop event bucket and counters. */
    public static final String EVENTS = "events";
    /** The ring buffer every unit's drop events go into, at the root. */
    public static final String DROP_RING = "drop_ring";

    /** The daemon's cgroup storage maps (counters, drop event state) at the root, where units share programs. */
    public static final String CGROUP_COUNTERS = "cgroup_counters";
    public static final String CGROUP_EVENTS = "cgroup_events";

    public Path dropRing() {
        return root.resolve(DROP_RING);
    }

    /** The programs units share, one pin each (see {@link SharedPrograms}). */
    public Path programs() {
        return root.resolve("programs");
    }

    public Path units() {
        return root.resolve("units");
    }

    public Path slices() {
        return root.resolve("slices");
    }

    public Path unit(String unitName) {
        return units().resolve(escape(unitName));
    }

    public Path slice(String sliceName) {
        return slices().resolve(escape(sliceName));
    }

    public static String escape(String unitName) {
        if (unitName.indexOf(',') >= 0 || unitName.indexOf('/') >= 0)
            throw new IllegalArgumentException("not a unit name: '" + unitName + "'");
        return unitName.replace('.', ',');
    }

    public static String unescape(String pinName) {
        return pinName.replace(',', '.');
    }
}
