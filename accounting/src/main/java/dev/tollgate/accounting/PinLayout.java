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

    public Path dropRing() {
        return root.resolve(DROP_RING);
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
