package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.varlink.ServiceInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = {"Show units' state and traffic, as systemctl status does.",
        "Without a unit: tollgated's state and its unit tree."})
final class StatusCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "0..*")
    List<String> units;

    @Override
    int execute() throws Exception {
        if (units == null || units.isEmpty()) {
            return overview();
        }
        int rc = ExitCodes.SUCCESS;
        List<UnitInfo> found = new ArrayList<>();
        ZoneId zone = Format.localZone();
        long now = Format.nowMicros();
        try (UnitClient client = units()) {
            for (String name : UnitNames.mangle(units)) {
                UnitInfo u = client.getUnit(name);
                int code;
                if (u == null) {
                    // As systemctl: the message on stderr, the other units still shown.
                    out().flush();
                    err().println("Unit " + name + " could not be found.");
                    code = ExitCodes.UNKNOWN;
                } else {
                    if (!json()) {
                        List<String> lines = new ArrayList<>();
                        if (!found.isEmpty()) {
                            lines.add("");
                        }
                        lines.addAll(StatusView.render(u, style(), now, zone, Processes.PROC));
                        print(lines);
                        out().flush();
                    }
                    found.add(u);
                    code = u.activeState() == ActiveState.ACTIVE || u.activeState() == ActiveState.RELOADING
                            ? ExitCodes.SUCCESS : ExitCodes.NOT_RUNNING;
                }
                if (rc == ExitCodes.SUCCESS) {
                    rc = code;
                }
            }
        }
        if (json()) {
            root.printJson(found);
        }
        return rc;
    }

    /** systemctl status without a unit: the manager's state, then its tree. */
    private int overview() throws IOException {
        List<UnitInfo> all;
        ProbeReply probe;
        ServiceInfo info;
        try (ManagerClient client = connect()) {
            all = UnitInfoReader.listUnits(client, null, null, true);
            probe = client.probe();
            info = client.getInfo();
        }
        long failed = all.stream().filter(u -> u.activeState() == ActiveState.FAILED).count();
        long active = all.stream().filter(u -> u.activeState() == ActiveState.ACTIVE).count();
        String state = failed > 0 ? "degraded" : "running";
        String root = all.stream().filter(u -> u.slice() == null && u.controlGroup() != null).map(UnitInfo::controlGroup)
                .findFirst().orElse(null);
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", hostname());
            m.put("state", state);
            m.put("units", all.size());
            m.put("activeUnits", active);
            m.put("failedUnits", failed);
            m.put("attachMode", probe.attachMode());
            m.put("attachModeReason", probe.attachModeReason());
            m.put("kernel", probe.kernel());
            m.put("controlGroup", root);
            m.put("daemon", info);
            this.root.printJson(m);
            return ExitCodes.SUCCESS;
        }
        Style st = style();
        List<String> out = new ArrayList<>();
        out.add(st.dot(failed > 0 ? ActiveState.FAILED : ActiveState.ACTIVE) + st.bold(hostname()));
        out.add(label("State") + (failed > 0 ? st.red(state) : st.green(state)));
        out.add(label("Units") + Format.count(all.size(), "loaded", "loaded") + ", " + active + " active");
        out.add(label("Failed") + (failed > 0 ? st.red(Format.count(failed, "unit", "units")) : Format.count(failed, "unit", "units")));
        out.add(label("Attach") + (probe.attachMode() == null ? "none" : probe.attachMode().wireName())
                + (probe.attachModeForced() ? " (forced)" : "") + " - " + probe.attachModeReason());
        out.add(label("Kernel") + probe.kernel());
        out.add(label("tollgated") + info.version() + " on " + this.root.socket());
        if (root != null) {
            out.add(label("CGroup") + root);
        }
        List<UnitTree.Node> forest = UnitTree.build(all, false);
        for (String l : UnitTree.render(forest, st, null)) {
            out.add(" ".repeat(10) + l);
        }
        print(out);
        return ExitCodes.SUCCESS;
    }

    /** Labels as systemctl status aligns them without a unit (9 wide). */
    private static String label(String name) {
        return " ".repeat(Math.max(0, 9 - name.length())) + name + ": ";
    }

    static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
