package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.ProbeFeature;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "probe", description = "The kernel features tollgated probed for, and the attach mode it uses and why.")
final class ProbeCommand extends Verb {
    @Override
    int execute() throws Exception {
        ProbeReply p;
        try (ManagerClient client = connect()) {
            p = client.probe();
        }
        if (json()) {
            root.printJson(p);
            return ExitCodes.SUCCESS;
        }
        print(render(p, style(), !root.noLegend));
        return ExitCodes.SUCCESS;
    }

    static List<String> render(ProbeReply p, Style st, boolean legend) {
        int w = "FEATURE".length();
        for (ProbeFeature f : p.features()) {
            w = Math.max(w, f.name().length());
        }
        List<String> out = new ArrayList<>();
        if (legend) {
            out.add(st.bold(pad("FEATURE", w) + "  " + "AVAILABLE" + "  " + "EVIDENCE"));
        }
        for (ProbeFeature f : p.features()) {
            String yes = f.available() ? st.green(pad("yes", 9)) : st.red(pad("no", 9));
            out.add(pad(f.name(), w) + "  " + yes + "  " + f.evidence());
        }
        out.add("");
        out.add("Attach mode: " + (p.attachMode() == null ? "none" : st.bold(p.attachMode().wireName()))
                + (p.attachModeForced() ? " (forced)" : "") + " - " + p.attachModeReason());
        out.add("cgroup2: " + (p.cgroup2() == null ? "not mounted" : p.cgroup2()));
        out.add("Kernel: " + p.kernel());
        return out;
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
