package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Slices and services as a tree, the way {@code systemd-cgls} draws cgroups ({@code ├─},
 * {@code │ }, {@code └─}), with each unit's traffic in a column to the right.
 */
public final class UnitTree {
    /** A unit and the units in it (for a slice), sorted by name. */
    public record Node(UnitInfo unit, List<Node> children) {
        /** The JSON shape of {@code tree --json}: the unit's name, type, state and counters, and its children. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", unit.name());
            m.put("type", unit.type().wireName());
            m.put("activeState", unit.activeState().wireName());
            m.put("subState", unit.subState());
            m.put("controlGroup", unit.controlGroup());
            m.put("ipAccounting", unit.ipAccounting());
            m.put("counters", unit.counters());
            m.put("children", children.stream().map(Node::toJson).toList());
            return m;
        }
    }

    private UnitTree() {}

    /**
     * The forest of these units: every unit under its slice, slices nesting as their
     * {@code slice} fields say. Without {@code all}, inactive units are left out, and so are
     * slices with nothing shown in them. A unit whose slice is not in the list is a root.
     */
    public static List<Node> build(List<UnitInfo> units, boolean all) {
        Map<String, UnitInfo> byName = new LinkedHashMap<>();
        for (UnitInfo u : units) {
            byName.put(u.name(), u);
        }
        Map<String, List<UnitInfo>> children = new HashMap<>();
        List<UnitInfo> roots = new ArrayList<>();
        for (UnitInfo u : units) {
            if (u.slice() != null && byName.containsKey(u.slice()) && !u.slice().equals(u.name())) {
                children.computeIfAbsent(u.slice(), k -> new ArrayList<>()).add(u);
            } else {
                roots.add(u);
            }
        }
        List<Node> out = new ArrayList<>();
        for (UnitInfo r : sorted(roots)) {
            Node n = node(r, children, all, 0);
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<UnitInfo> sorted(List<UnitInfo> l) {
        return l.stream().sorted(Comparator.comparing(UnitInfo::name)).toList();
    }

    private static Node node(UnitInfo u, Map<String, List<UnitInfo>> children, boolean all, int depth) {
        List<Node> kids = new ArrayList<>();
        if (depth < 64) {
            for (UnitInfo c : sorted(children.getOrDefault(u.name(), List.of()))) {
                Node n = node(c, children, all, depth + 1);
                if (n != null) {
                    kids.add(n);
                }
            }
        }
        boolean shown = all || u.activeState() != ActiveState.INACTIVE;
        if (u.type() == UnitType.SLICE && !all && kids.isEmpty() && u.slice() != null) {
            // An empty slice below the root is noise, as in systemd-cgls.
            shown = false;
        }
        return shown || !kids.isEmpty() ? new Node(u, List.copyOf(kids)) : null;
    }

    /** The first node named {@code name} in the forest, depth first. */
    public static Node find(List<Node> forest, String name) {
        for (Node n : forest) {
            if (n.unit().name().equals(name)) {
                return n;
            }
            Node f = find(n.children(), name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    /**
     * The tree's lines: names with their branches, then, in one column, the traffic of units
     * with counters. With {@code procs}, each service's processes below it.
     */
    public static List<String> render(List<Node> forest, Style st, Processes procs) {
        List<String[]> rows = new ArrayList<>();
        for (Node root : forest) {
            walk(root, "", "", st, procs, rows);
        }
        int width = 0;
        for (String[] r : rows) {
            if (r[1] != null) {
                width = Math.max(width, r[0].codePointCount(0, r[0].length()));
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            String left = r[0];
            if (r[1] == null || r[1].isEmpty()) {
                out.add(r[2] == null ? left : r[2]);
                continue;
            }
            int pad = width - left.codePointCount(0, left.length()) + 2;
            out.add((r[2] == null ? left : r[2]) + " ".repeat(pad) + r[1]);
        }
        return out;
    }

    /** rows: [plain left part (for width), right part or null, decorated left part or null]. */
    private static void walk(Node n, String prefix, String childPrefix, Style st, Processes procs, List<String[]> rows) {
        UnitInfo u = n.unit();
        String state = switch (u.activeState()) {
            case ACTIVE, RELOADING -> "";
            default -> " (" + u.activeState().wireName() + ")";
        };
        String plain = prefix + u.name() + state;
        String decorated = prefix + (u.type() == UnitType.SLICE ? st.bold(u.name()) : u.name())
                + (u.activeState() == ActiveState.FAILED ? st.red(state) : state);
        rows.add(new String[] {plain, traffic(u), decorated});
        List<Node> kids = n.children();
        List<Integer> pids = procs != null && u.type() != UnitType.SLICE ? u.pids() : List.of();
        int total = kids.size() + pids.size();
        int i = 0;
        for (int pid : pids) {
            boolean last = ++i == total;
            String cmd = procs.cmdline(pid);
            String line = childPrefix + (last ? st.lastBranch() : st.branch()) + pid + (cmd == null ? "" : " " + cmd);
            rows.add(new String[] {line, null, st.grey(line)});
        }
        for (Node k : kids) {
            boolean last = ++i == total;
            walk(k, childPrefix + (last ? st.lastBranch() : st.branch()),
                    childPrefix + (last ? st.space() : st.vertical()), st, procs, rows);
        }
    }

    /** {@code IP: 1.2K in, 3.4M out} with accounting; the drops when there are any. */
    static String traffic(UnitInfo u) {
        Counters c = u.counters();
        if (c == null) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        if (u.ipAccounting()) {
            b.append("IP: ").append(Format.bytes(c.ingressBytes())).append(" in, ")
                    .append(Format.bytes(c.egressBytes())).append(" out");
        }
        long dropped = c.ingressDroppedPackets() + c.egressDroppedPackets();
        if (dropped != 0) {
            if (!b.isEmpty()) {
                b.append("; ");
            }
            b.append("dropped ").append(Format.count(dropped, "packet", "packets")).append(" (")
                    .append(Format.bytes(c.ingressDroppedBytes() + c.egressDroppedBytes())).append(')');
        }
        return b.isEmpty() ? null : b.toString();
    }
}
