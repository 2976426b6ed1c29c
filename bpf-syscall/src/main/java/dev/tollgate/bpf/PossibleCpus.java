package dev.tollgate.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs: the count per-CPU maps use for user-space values. It is not
 * the online count, so it is read from /sys/devices/system/cpu/possible.
 */
public final class PossibleCpus {
    private static final int COUNT = read();

    private PossibleCpus() {}

    public static int count() {
        return COUNT;
    }

    /** Parses a cpulist such as {@code 0-3,8,10-11}. */
    static int parse(String list) {
        int n = 0;
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) continue;
            int dash = part.indexOf('-');
            if (dash < 0) {
                Integer.parseInt(part);
                n++;
            } else {
                n += Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
            }
        }
        if (n <= 0) throw new IllegalArgumentException("empty cpu list: '" + list + "'");
        return n;
    }

    private static int read() {
        try {
            return parse(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /sys/devices/system/cpu/possible", e);
        }
    }
}
