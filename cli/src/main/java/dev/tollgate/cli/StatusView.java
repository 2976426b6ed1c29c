package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
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
 * after it (packets, dropped, address lists, attach mode, delegation) are tollgate's.
 */
public final class StatusView {
    private static final int LABEL_WIDTH = 11;

    private StatusView() {}

    /** The lines for one unit; {@code nowMicros} (CLOCK_REALTIME) for the "ago" part. */
    public static List<String> render(UnitInfo u, Style st, long nowMicros, ZoneId zone, Processes procs) {
        List<String> out = new ArrayList<>();
        String title = u.name() + (u.description() != null && !u.description().isEmpty() && !u.description().equals(u.name())
                ? " - " + u.description() : "");
        out.add(st.dot(u.activeState()) + st.bold(title));

        out.add(label("Loaded") + loaded(u));
        if (!u.dropInPaths().isEmpty()) {
            out.addAll(dropIns(u.dropInPaths(), st));
        }
        out.add(label("Active") + active(u, st, nowMicros, zone));

        if (u.mainPID() != null) {
            String comm = procs.comm(u.mainPID());
            out.add(label("Main PID") + u.mainPID() + (comm == null ? "" : " (" + comm + ")"));
        } else if (u.execMainPID() != null && u.execMainCode() != null && u.execMainStatus() != null) {
            // The last run's main process has ended: how, as systemctl says it.
            out.add(label("Main PID") + u.execMainPID() + " (" + ExitStatus.describe(u.execMainCode(), u.execMainStatus()) + ")");
        }

        Counters c = u.counters();
        if (u.ipAccounting() && c != null) {
            out.add(label("IP") + Format.bytes(c.ingressBytes()) + " in, " + Format.bytes(c.egressBytes()) + " out");
            out.add(label("Packets") + Long.toUnsignedString(c.ingressPackets()) + " in, "
                    + Long.toUnsignedString(c.egressPackets()) + " out");
        }
        if (c != null && (u.ipAccounting() || hasFirewall(u) || c.ingressDroppedPackets() != 0 || c.egressDroppedPackets() != 0)) {
            String dropped = Long.toUnsignedString(c.ingressDroppedPackets()) + " packets in ("
                    + Format.bytes(c.ingressDroppedBytes()) + "), " + Long.toUnsignedString(c.egressDroppedPackets())
                    + " packets out (" + Format.bytes(c.egressDroppedBytes()) + ")";
            boolean any = c.ingressDroppedPackets() != 0 || c.egressDroppedPackets() != 0;
            out.add(label("Dropped") + (any ? st.yellow(dropped) : dropped));
        }
        if (!u.ipAddressAllow().isEmpty()) {
            out.add(label("IP allow") + String.join(" ", u.ipAddressAllow()));
        }
        if (!u.ipAddressDeny().isEmpty()) {
            out.add(label("IP deny") + String.join(" ", u.ipAddressDeny()));
        }
        if (u.restrictsInterfaces()) {
            String v = u.restrictNetworkInterfaces();
            out.add(label("Interfaces") + (v.startsWith("~") ? "all but " + v.substring(1) : v));
        }
        if (u.attachMode() != null && (u.ipAccounting() || hasFirewall(u) || c != null)) {
            out.add(label("Attach") + u.attachMode().wireName());
        }
        if (u.type() != UnitType.SLICE) {
            out.add(label("Delegate") + (u.delegate() ? "yes" : "no"));
        }
        if (u.lastError() != null && !u.lastError().isEmpty()) {
            String err = u.lastError().replace('\n', ' ');
            out.add(label("Error") + (u.activeState() == ActiveState.FAILED ? st.red(err) : err));
        }
        if (u.controlGroup() != null && u.activeState() != ActiveState.INACTIVE) {
            out.add(label("CGroup") + u.controlGroup());
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

    private static boolean hasFirewall(UnitInfo u) {
        return !u.ipAddressAllow().isEmpty() || !u.ipAddressDeny().isEmpty() || u.restrictsInterfaces();
    }

    /** "     Loaded: " — the label right-aligned, a colon and a space. */
    static String label(String name) {
        return " ".repeat(Math.max(0, LABEL_WIDTH - name.length())) + name + ": ";
    }

    private static String loaded(UnitInfo u) {
        StringBuilder b = new StringBuilder(u.loadState());
        List<String> parts = new ArrayList<>();
        if (u.fragmentPath() != null) {
            parts.add(u.fragmentPath());
        }
        if (u.unitFileState() != null) {
            parts.add(u.unitFileState());
        }
        if (!"loaded".equals(u.loadState()) && u.lastError() != null) {
            b.append(" (Reason: ").append(u.lastError().replace('\n', ' ')).append(')');
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
        String state = u.activeState().wireName();
        String sub = u.subState();
        StringBuilder b = new StringBuilder(state);
        if (sub != null && !sub.isEmpty() && !sub.equals(state)) {
            b.append(" (").append(sub).append(')');
        }
        String text = st.state(u.activeState(), b.toString());
        if (u.activeState() == ActiveState.FAILED && u.result() != null && !u.result().equals("success")) {
            text += " (Result: " + u.result() + ")";
        }
        boolean since = switch (u.activeState()) {
            case ACTIVE, RELOADING, DEACTIVATING -> true;
            default -> false;
        };
        if (since && u.activeEnterTimestamp() != null && u.activeEnterTimestamp() > 0) {
            text += " since " + Format.timestamp(u.activeEnterTimestamp(), zone) + "; "
                    + Format.relative(u.activeEnterTimestamp(), nowMicros);
        }
        return text;
    }
}
