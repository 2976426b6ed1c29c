package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.SystemState;
import dev.tollgate.api.UnitInfo;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = {"Show units' properties as NAME=VALUE, with systemd's names "
        + "(IPIngressBytes, IPAccounting, ActiveState, MainPID, ...) and tollgate's "
        + "(IPIngressDroppedPackets, IPEgressDroppedBytes, ..., AttachMode).",
        "IP counters of a unit without IPAccounting=yes show as [no data], as systemctl shows them. "
                + "A unit tollgated does not know shows as not-found (exit 0), as systemctl does.",
        "Without a unit: tollgated's own properties."})
final class ShowCommand extends Verb {
    @Option(names = {"-p", "--property"}, split = ",", paramLabel = "PROP", description = "Only these properties (repeatable, comma-separated).")
    List<String> properties;

    @Option(names = "-P", paramLabel = "PROP", description = "Like -p PROP --value.")
    List<String> valueProperties;

    @Option(names = "--value", description = "Print the values alone, without NAME=.")
    boolean value;

    @Option(names = {"-a", "--all"}, description = "Empty properties too.")
    boolean all;

    @Parameters(paramLabel = "UNIT", arity = "0..*")
    List<String> units;

    @Override
    int execute() throws Exception {
        List<String> selected = properties == null ? null : new ArrayList<>(properties);
        boolean valueOnly = value;
        if (valueProperties != null) {
            selected = selected == null ? new ArrayList<>() : selected;
            selected.addAll(valueProperties);
            valueOnly = true;
        }
        if (units == null || units.isEmpty()) {
            return manager(selected, valueOnly);
        }
        // One request for all of them: show over a thousand units costs one round trip, not a thousand.
        List<UnitInfo> shown;
        try (UnitClient client = units()) {
            shown = client.getUnits(UnitNames.mangle(units));
        }
        ZoneId zone = null;
        StringBuilder b = new StringBuilder();
        for (int i = 0; !json() && i < shown.size(); i++) {
            UnitInfo u = shown.get(i);
            if (zone == null && needsZone(selected)) {
                zone = Format.localZone();
            }
            if (i > 0) {
                b.append('\n');
            }
            for (String line : UnitProperties.lines(u, selected, valueOnly, all, zone)) {
                b.append(line).append('\n');
            }
        }
        if (json()) {
            root.printJson(shown);
        } else {
            out().print(b);
        }
        return ExitCodes.SUCCESS;
    }

    /** Only timestamps need the time zone, whose rules are slow to load: not for -p IPIngressBytes. */
    private static boolean needsZone(List<String> selected) {
        if (selected == null) {
            return true;
        }
        for (String p : selected) {
            if (p.endsWith("Timestamp")) {
                return true;
            }
        }
        return false;
    }

    /** systemctl show without a unit: the manager's properties. */
    private int manager(List<String> selected, boolean valueOnly) throws Exception {
        ProbeReply probe;
        String version;
        List<UnitInfo> loaded;
        SystemState state;
        try (ManagerClient client = connect()) {
            probe = client.probe();
            version = client.getInfo().version();
            loaded = UnitInfoReader.listUnits(client, null, null, true);
            state = client.getSystemState();
        }
        long failed = loaded.stream().filter(u -> u.activeState() == ActiveState.FAILED).count();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("Version", version);
        props.put("Kernel", probe.kernel());
        props.put("AttachMode", probe.attachMode() == null ? "" : probe.attachMode().wireName());
        props.put("AttachModeForced", probe.attachModeForced() ? "yes" : "no");
        props.put("AttachModeReason", probe.attachModeReason());
        props.put("ControlGroupMount", probe.cgroup2() == null ? "" : probe.cgroup2());
        props.put("NNames", Integer.toString(loaded.size()));
        props.put("NFailedUnits", Long.toString(failed));
        props.put("SystemState", state.wireName());
        if (json()) {
            root.printJson(props);
            return ExitCodes.SUCCESS;
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (selected != null && !selected.contains(e.getKey())) {
                continue;
            }
            if (e.getValue().isEmpty() && selected == null && !all) {
                continue;
            }
            lines.add(valueOnly ? e.getValue() : e.getKey() + "=" + e.getValue());
        }
        print(lines);
        return ExitCodes.SUCCESS;
    }
}
