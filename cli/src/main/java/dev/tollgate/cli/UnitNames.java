package dev.tollgate.cli;

import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import java.util.List;
import java.util.Set;

/** Unit names as the user types them and as the daemon knows them. */
public final class UnitNames {
    private static final Set<String> SUFFIXES = Set.of("service", "socket", "device", "mount", "automount", "swap",
            "target", "path", "timer", "slice", "scope");

    private UnitNames() {}

    /**
     * A name completed as systemctl does: without a unit type suffix, {@code .service} is
     * appended ({@code web} → {@code web.service}, {@code a.b} → {@code a.b.service}).
     */
    public static String mangle(String name) {
        int dot = name.lastIndexOf('.');
        if (dot > 0 && SUFFIXES.contains(name.substring(dot + 1))) {
            return name;
        }
        return name + ".service";
    }

    public static List<String> mangle(List<String> names) {
        List<String> out = new java.util.ArrayList<>(names.size());
        for (String n : names) {
            out.add(mangle(n));
        }
        return out;
    }

    /** The type a name's suffix says; services for suffixes tollgate does not manage. */
    public static UnitType typeOf(String name) {
        if (name.endsWith(".slice")) {
            return UnitType.SLICE;
        }
        if (name.endsWith(".scope")) {
            return UnitType.SCOPE;
        }
        return UnitType.SERVICE;
    }

    /** What systemctl show prints for a unit it does not know: a not-found, inactive unit. */
    public static UnitInfo notFound(String name) {
        return UnitInfo.builder(name, typeOf(name), name).loadState("not-found").build();
    }

    /** Description= as shown: the name when the unit has none. */
    public static String description(UnitInfo u) {
        return (String) UnitInfo.Property.DESCRIPTION.value(u);
    }
}
