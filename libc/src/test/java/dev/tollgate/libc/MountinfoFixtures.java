package dev.tollgate.libc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/** Real mount tables captured from real systems, for the modules that read mountinfo (shared through libc's test jar). */
public final class MountinfoFixtures {
    private MountinfoFixtures() {}

    /**
     * {@code /proc/1/mountinfo} inside the systemd 252 oracle (systemd as PID 1 of private
     * namespaces on the host's root): the host's cgroup2 (root {@code /..}) and bpffs are still
     * listed under the instance's fresh {@code /sys}, before its own cgroup2.
     */
    public static String systemdOracle() {
        return load("mountinfo-systemd-oracle.txt");
    }

    /** The file's text without its leading {@code #} comment lines: exactly what the kernel printed. */
    private static String load(String name) {
        try (InputStream in = MountinfoFixtures.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("no fixture " + name + " next to " + MountinfoFixtures.class);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
