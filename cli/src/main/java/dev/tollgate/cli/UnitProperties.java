package dev.tollgate.cli;

import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code show}'s properties: systemd's names for what a {@link UnitInfo} holds, and ours for
 * what systemd does not have (dropped traffic, the attach mode), printed as
 * {@code systemctl show} prints them ({@code bus_print_property}): booleans as yes/no,
 * timestamps as {@code Thu 2024-01-04 10:00:00 UTC}, lists space-separated, and
 * {@code [no data]} for the IP counters of a unit without accounting (where systemd's D-Bus
 * value is UINT64_MAX).
 */
public final class UnitProperties {
    /** What systemctl shows for IP counters without IPAccounting=yes, with or without --value. */
    public static final String NO_DATA = "[no data]";

    /** Every property, in the order show prints them. */
    private static final List<String> NAMES = List.of("Id", "Names", "Description", "LoadState", "ActiveState",
            "SubState", "Result", "FragmentPath", "DropInPaths", "UnitFileState", "ActiveEnterTimestamp", "MainPID",
            "ExecMainPID", "ExecMainCode", "ExecMainStatus", "ControlGroup", "Slice", "Delegate", "IPAccounting", "IPAddressAllow", "IPAddressDeny",
            "RestrictNetworkInterfaces", "IPIngressBytes", "IPIngressPackets", "IPEgressBytes", "IPEgressPackets", "IPIngressDroppedBytes",
            "IPIngressDroppedPackets", "IPEgressDroppedBytes", "IPEgressDroppedPackets", "AttachMode", "LastError");

    private UnitProperties() {}

    /**
     * A property's value, null when empty. A switch rather than a table of lambdas: each lambda
     * costs a class spun at first use, and {@code show} is the command that must start fast.
     */
    private static String raw(UnitInfo u, String name, ZoneId zone) {
        Counters c = u.counters();
        // IPIngressBytes= and the like exist only with IPAccounting=yes (else systemd has UINT64_MAX).
        // The daemon may send counters for a unit without accounting (it has a firewall, or a
        // slice above it counts): those are for the dropped figures only.
        Counters traffic = u.ipAccounting() ? c : null;
        return switch (name) {
            case "Id", "Names" -> u.name();
            case "Description" -> UnitNames.description(u);
            case "LoadState" -> u.loadState();
            case "ActiveState" -> u.activeState().wireName();
            case "SubState" -> u.subState();
            case "Result" -> u.result();
            case "FragmentPath" -> u.fragmentPath();
            case "DropInPaths" -> String.join(" ", u.dropInPaths());
            case "UnitFileState" -> u.unitFileState();
            case "ActiveEnterTimestamp" -> u.activeEnterTimestamp() == null ? null : Format.timestamp(u.activeEnterTimestamp(), zone);
            case "MainPID" -> Integer.toString(u.mainPID() == null ? 0 : u.mainPID());
            case "ExecMainPID" -> Integer.toString(u.execMainPID() != null ? u.execMainPID() : u.mainPID() == null ? 0 : u.mainPID());
            // systemd's numbers: 0 while running or before, then CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3.
            case "ExecMainCode" -> Integer.toString(ExitStatus.cldCode(u.execMainCode()));
            case "ExecMainStatus" -> Integer.toString(u.execMainStatus() == null ? 0 : u.execMainStatus());
            case "ControlGroup" -> u.controlGroup();
            case "Slice" -> u.slice();
            case "Delegate" -> yesNo(u.delegate());
            case "IPAccounting" -> yesNo(u.ipAccounting());
            case "IPAddressAllow" -> String.join(" ", u.ipAddressAllow());
            case "IPAddressDeny" -> String.join(" ", u.ipAddressDeny());
            // As systemd 257 prints it, "~" included for a unit without the setting.
            case "RestrictNetworkInterfaces" -> u.restrictNetworkInterfaces();
            case "IPIngressBytes" -> traffic == null ? NO_DATA : unsigned(traffic.ingressBytes());
            case "IPIngressPackets" -> traffic == null ? NO_DATA : unsigned(traffic.ingressPackets());
            case "IPEgressBytes" -> traffic == null ? NO_DATA : unsigned(traffic.egressBytes());
            case "IPEgressPackets" -> traffic == null ? NO_DATA : unsigned(traffic.egressPackets());
            case "IPIngressDroppedBytes" -> c == null ? NO_DATA : unsigned(c.ingressDroppedBytes());
            case "IPIngressDroppedPackets" -> c == null ? NO_DATA : unsigned(c.ingressDroppedPackets());
            case "IPEgressDroppedBytes" -> c == null ? NO_DATA : unsigned(c.egressDroppedBytes());
            case "IPEgressDroppedPackets" -> c == null ? NO_DATA : unsigned(c.egressDroppedPackets());
            case "AttachMode" -> u.attachMode() == null ? null : u.attachMode().wireName();
            case "LastError" -> u.lastError();
            default -> null;
        };
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    private static String unsigned(long v) {
        return Long.toUnsignedString(v);
    }

    /** Booleans print even when not asked for, as systemd prints them (never empty). */
    private static boolean alwaysShown(String name) {
        return name.equals("Delegate") || name.equals("IPAccounting") || name.startsWith("IPIngress")
                || name.startsWith("IPEgress") || name.equals("MainPID") || name.startsWith("ExecMain");
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
        String v = raw(unit, name, zone);
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
        for (String name : NAMES) {
            if (selected != null && !selected.contains(name)) {
                continue;
            }
            String v = raw(unit, name, zone);
            boolean empty = v == null || v.isEmpty();
            if (empty && !showEmpty && !alwaysShown(name)) {
                continue;
            }
            String shown = empty ? "" : v.indexOf('\n') >= 0 ? "[unprintable]" : v;
            out.add(valueOnly ? shown : name + "=" + shown);
        }
        return out;
    }
}
