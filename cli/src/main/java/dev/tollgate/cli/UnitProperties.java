package dev.tollgate.cli;

import dev.tollgate.api.UnitInfo;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code show}'s properties ({@link UnitInfo.Property}, the table of them: systemd's names for
 * what a {@link UnitInfo} holds, and ours for what systemd does not have, dropped traffic and
 * the attach mode), printed as
 * {@code systemctl show} prints them ({@code bus_print_property}): booleans as yes/no,
 * timestamps as {@code Thu 2024-01-04 10:00:00 UTC}, lists space-separated, and
 * {@code [no data]} for the IP counters of a unit without accounting (where systemd's D-Bus
 * value is UINT64_MAX).
 */
public final class UnitProperties {
    /** What systemctl shows for IP counters without IPAccounting=yes, with or without --value. */
    public static final String NO_DATA = "[no data]";

    /** Every property name, in the order show prints them: {@link UnitInfo.Property}'s. */
    private static final List<String> NAMES = names(UnitInfo.Property.values());

    private UnitProperties() {}

    private static List<String> names(UnitInfo.Property[] properties) {
        List<String> out = new ArrayList<>(properties.length);
        for (UnitInfo.Property p : properties) {
            out.add(p.systemdName());
        }
        return List.copyOf(out);
    }

    /**
     * A property's value as {@code show} prints it, null or empty when empty: the one printer of
     * each property, which {@code status} ({@link StatusView}) prints through as well.
     */
    @SuppressWarnings("unchecked") // LIST values are List<String> (UnitInfo.Property#value)
    static String text(UnitInfo u, UnitInfo.Property p, ZoneId zone) {
        Object v = p.value(u);
        return switch (p.shown()) {
            case TEXT -> (String) v;
            case LIST -> v == null ? null : String.join(" ", (List<String>) v);
            case NUMBER -> v == null ? "0" : v instanceof Long l ? Long.toUnsignedString(l) : v.toString();
            case COUNTER -> v == null ? NO_DATA : Long.toUnsignedString((Long) v);
            case BOOLEAN -> Boolean.TRUE.equals(v) ? "yes" : "no";
            case TIMESTAMP -> v == null ? null : Format.timestamp((Long) v, zone);
        };
    }

    /** Numbers, counters and booleans print even when not asked for, as systemd prints them (never empty). */
    private static boolean alwaysShown(UnitInfo.Property p) {
        return switch (p.shown()) {
            case NUMBER, COUNTER, BOOLEAN -> true;
            case TEXT, LIST, TIMESTAMP -> false;
        };
    }

    /** Every property name, in the order {@code show} prints them. */
    public static List<String> names() {
        return NAMES;
    }

    public static boolean isKnown(String name) {
        return NAMES.contains(name);
    }

    /** One property's value as shown, or null when it is empty or not a property. */
    public static String value(UnitInfo unit, String name, ZoneId zone) {
        int i = NAMES.indexOf(name);
        String v = i < 0 ? null : text(unit, UnitInfo.Property.values()[i], zone);
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * The lines {@code show} prints for one unit. Without {@code selected} (null) every
     * property in order, empty ones only with {@code all}; with it, those named, in the order of
     * the table as systemctl does, empty ones too (systemctl shows a property asked for even
     * when empty), unknown names skipped. A value with a newline is {@code [unprintable]}, as
     * systemctl prints it.
     *
     * @param valueOnly {@code --value}: the value alone, without {@code NAME=}
     */
    public static List<String> lines(UnitInfo unit, List<String> selected, boolean valueOnly, boolean all, ZoneId zone) {
        List<String> out = new ArrayList<>();
        boolean showEmpty = all || selected != null;
        for (UnitInfo.Property p : UnitInfo.Property.values()) {
            String name = p.systemdName();
            if (selected != null && !selected.contains(name)) {
                continue;
            }
            String v = text(unit, p, zone);
            boolean empty = v == null || v.isEmpty();
            if (empty && !showEmpty && !alwaysShown(p)) {
                continue;
            }
            String shown = empty ? "" : v.indexOf('\n') >= 0 ? "[unprintable]" : v;
            out.add(valueOnly ? shown : name + "=" + shown);
        }
        return out;
    }
}
