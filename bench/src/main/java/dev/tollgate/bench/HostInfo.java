package dev.tollgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What the figures were measured on, printed above them. */
final class HostInfo {
    private HostInfo() {}

    static String describe() {
        return "kernel " + read("/proc/sys/kernel/osrelease").orElse("?")
                + ", " + cpuModel() + " x" + Runtime.getRuntime().availableProcessors()
                + ", bpf_jit_enable=" + read("/proc/sys/net/core/bpf_jit_enable").orElse("?")
                + ", java " + Runtime.version();
    }

    static boolean isRoot() {
        return dev.tollgate.testkit.PrivilegedCondition.Host.isRoot();
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim().replaceAll("\\s+", " "))
                    .findFirst().orElse("cpu");
        } catch (IOException e) {
            return "cpu";
        }
    }

    static Optional<String> read(String path) {
        try {
            return Optional.of(Files.readString(Path.of(path)).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
