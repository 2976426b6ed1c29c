package dev.tollgate.bench;

import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.CapabilityCheck;
import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code ./dev probe}: the kernel capabilities as the daemon would find them, without a
 * daemon (scratch cgroups under the cgroup2 root). With a daemon running, {@code tollctl probe}
 * shows the same values, and {@code --json}.
 */
public final class KernelProbe {
    private KernelProbe() {}

    public static void main(String[] args) throws IOException {
        if (args.length > 0) {
            System.err.println("usage: ./dev probe (for JSON: tollctl probe --json against a running tollgated)");
            System.exit(2);
        }
        Optional<Path> cgroup2 = ApiFileSystems.cgroup2();
        Capabilities c = Capabilities.of(cgroup2, cgroup2.orElse(Path.of("/nonexistent")));
        int width = "FEATURE".length();
        for (CapabilityCheck x : c.all()) width = Math.max(width, x.name().length());
        String row = "%-" + width + "s  %-3s  %s%n";
        System.out.printf(row, "FEATURE", "OK", "HOW WE KNOW");
        for (CapabilityCheck x : c.all()) System.out.printf(row, x.name(), x.available() ? "yes" : "no", x.evidence());
        System.out.println();
        System.out.println("attach mode: " + c.bestMode().map(m -> m.configName() + " — " + m.mechanism)
                .orElse("none — cgroup BPF is unavailable (" + c.chooseModeFailure() + "); units would run without accounting or firewall"));
    }
}
