package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitInfo.Property;
import dev.tollgate.api.UnitType;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One unit as {@code systemctl status} shows it: the ● and description, then labelled lines
 * (labels right-aligned to one column as systemd aligns them), then the cgroup with its
 * processes. The {@code IP:} line is systemd's ({@code IP: 1.2K in, 3.4M out}); the lines
 * after it (packets, dropped, address lists, attach mode, delegation) are tollgate's. The
 * layout is status's own; each value in it is printed as {@code show} prints that property
 * ({@link UnitProperties#text}), bytes as systemd's status prints them ({@link Format#bytes}).
 */
public final class StatusView {
    private static final int LABEL_WIDTH = 11;

    private StatusView() {}

    /** The lines for one unit; {@code nowMicros} (CLOCK_REALTIME) for the "ago" part. */
    public static List<String> render(UnitInfo u, Style st, long nowMicros, ZoneId zone, Processes procs) {
        List<String> out = new ArrayList<>();
        String id = text(u, Property.ID, zone);
        String description = text(u, Property.DESCRIPTION, zone); // the name when there is none
        out.add(st.dot(u.activeState()) + st.bold(id + (description.equals(id) ? "" : " - " + description)));

        out.add(label("Loaded") + loaded(u, zone));
        if (!u.dropInPaths().isEmpty()) {
            out.addAll(dropIns(u.dropInPaths(), st));
        }
        out.add(label("Active") + active(u, st, nowMicros, zone));

        if (u.mainPID() != null) {
            String comm = procs.comm(u.mainPID());
            out.add(label("Main PID") + text(u, Property.MAIN_PID, zone) + (comm == null ? "" : " (" + comm + ")"));
        } else if (u.execMainPID() != null && u.execMainCode() != null && u.execMainStatus() != null) {
            // The last run's main process has ended: how, as systemctl says it.
            out.add(label("Main PID") + text(u, Property.EXEC_MAIN_PID, zone) + " ("
                    + ExitStatus.describe(u.execMainCode(), u.execMainStatus()) + ")");
        }

        Counters c = u.counters();
        if (u.ipAccounting() && c != null) {
            out.add(label("IP") + bytes(u, Property.IP_INGRESS_BYTES) + " in, " + bytes(u, Property.IP_EGRESS_BYTES) + " out");
            out.add(label("Packets") + text(u, Property.IP_INGRESS_PACKETS, zone) + " in, "
                    + text(u, Property.IP_EGRESS_PACKETS, zone) + " out");
        }
        if (c != null && (u.ipAccounting() || hasFirewall(u) || c.ingressDroppedPackets() != 0 || c.egressDroppedPackets() != 0)) {
            String dropped = text(u, Property.IP_INGRESS_DROPPED_PACKETS, zone) + " packets in ("
                    + bytes(u, Property.IP_INGRESS_DROPPED_BYTES) + "), " + text(u, Property.IP_EGRESS_DROPPED_PACKETS, zone)
                    + " packets out (" + bytes(u, Property.IP_EGRESS_DROPPED_BYTES) + ")";
            boolean any = c.ingressDroppedPackets() != 0 || c.egressDroppedPackets() != 0;
            out.add(label("Dropped") + (any ? st.yellow(dropped) : dropped));
        }
        if (!u.ipAddressAllow().isEmpty()) {
            out.add(label("IP allow") + text(u, Property.IP_ADDRESS_ALLOW, zone));
        }
        if (!u.ipAddressDeny().isEmpty()) {
            out.add(label("IP deny") + text(u, Property.IP_ADDRESS_DENY, zone));
        }
        if (u.restrictsInterfaces()) {
            String v = text(u, Property.RESTRICT_NETWORK_INTERFACES, zone);
            out.add(label("Interfaces") + (v.startsWith("~") ? "all but " + v.substring(1) : v));
        }
        if (u.attachMode() != null && (u.ipAccounting() || hasFirewall(u) || c != null)) {
            out.add(label("Attach") + text(u, Property.ATTACH_MODE, zone));
        }
        if (u.type() != UnitType.SLICE) {
            out.add(label("Delegate") + text(u, Property.DELEGATE, zone));
        }
        if (u.lastError() != null && !u.lastError().isEmpty()) {
            String err = text(u, Property.LAST_ERROR, zone).replace('\n', ' ');
            out.add(label("Error") + (u.activeState() == ActiveState.FAILED ? st.red(err) : err));
        }
        if (u.controlGroup() != null && u.activeState() != ActiveState.INACTIVE) {
            out.add(label("CGroup") + text(u, Property.CONTROL_GROUP, zone));
            List<Integer> pids = u.pids();
            for (int i = 0; i < pids.size(); i++) {
                int pid = pids.get(i);
                String cmd = procs.cmdline(pid);
                String branch = i == pids.size() - 1 ? st.lastBranch() : st.branch();
                out.add(" ".repeat(LABEL_WIDTH + 2) + st.grey(branch + pid + (cmd == null ? "" : " " + cmd)));
            }
        }
        return out;
    }

    /** The property as {@code show} prints it. */
    private static String text(UnitInfo u, Property p, ZoneId zone) {
        return UnitProperties.text(u, p, zone);
    }

    /** A byte counter as status prints it (systemd's FORMAT_BYTES), read through the property table. */
    private static String bytes(UnitInfo u, Property p) {
        return Format.bytes((Long) p.value(u));
    }

    private static boolean hasFirewall(UnitInfo u) {
        return !u.ipAddressAllow().isEmpty() || !u.ipAddressDeny().isEmpty() || u.restrictsInterfaces();
    }

    /** "     Loaded: " — the label right-aligned, a colon and a space. */
    static String label(String name) {
        return " ".repeat(Math.max(0, LABEL_WIDTH - name.length())) + name + ": ";
    }

    private static String loaded(UnitInfo u, ZoneId zone) {
        StringBuilder b = new StringBuilder(text(u, Property.LOAD_STATE, zone));
        List<String> parts = new ArrayList<>();
        if (u.fragmentPath() != null) {
            parts.add(text(u, Property.FRAGMENT_PATH, zone));
        }
        if (u.unitFileState() != null) {
            parts.add(text(u, Property.UNIT_FILE_STATE, zone));
        }
        if (!"loaded".equals(u.loadState()) && u.lastError() != null) {
            b.append(" (Reason: ").append(text(u, Property.LAST_ERROR, zone).replace('\n', ' ')).append(')');
        } else if (!parts.isEmpty()) {
            b.append(" (").append(String.join("; ", parts)).append(')');
        }
        return b.toString();
    }

    /** As systemd: each drop-in directory once, then its files on one line below it. */
    private static List<String> dropIns(List<String> paths, Style st) {
        Map<String, List<String>> byDir = new LinkedHashMap<>();
        for (String p : paths) {
            int slash = p.lastIndexOf('/');
            byDir.computeIfAbsent(slash > 0 ? p.substring(0, slash) : "", k -> new ArrayList<>()).add(p.substring(slash + 1));
        }
        List<String> out = new ArrayList<>();
        String indent = " ".repeat(LABEL_WIDTH + 2);
        for (Map.Entry<String, List<String>> e : byDir.entrySet()) {
            out.add((out.isEmpty() ? label("Drop-In") : indent) + e.getKey());
            out.add(indent + st.lastBranch() + String.join(", ", e.getValue()));
        }
        return out;
    }

    private static String active(UnitInfo u, Style st, long nowMicros, ZoneId zone) {
        String state = text(u, Property.ACTIVE_STATE, zone);
        String sub = text(u, Property.SUB_STATE, zone);
        StringBuilder b = new StringBuilder(state);
        if (sub != null && !sub.isEmpty() && !sub.equals(state)) {
            b.append(" (").append(sub).append(')');
        }
        String line = st.state(u.activeState(), b.toString());
        if (u.activeState() == ActiveState.FAILED && u.result() != null && !u.result().equals("success")) {
            line += " (Result: " + text(u, Property.RESULT, zone) + ")";
        }
        boolean since = switch (u.activeState()) {
            case ACTIVE, RELOADING, DEACTIVATING -> true;
            default -> false;
        };
        if (since && u.activeEnterTimestamp() != null && u.activeEnterTimestamp() > 0) {
            line += " since " + text(u, Property.ACTIVE_ENTER_TIMESTAMP, zone) + "; "
                    + Format.relative(u.activeEnterTimestamp(), nowMicros);
        }
        return line;
    }
}
