package dev.tollgate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kernel.bpf_stats_enabled=1} for the length of a run, so that every program's
 * {@code run_time_ns} and {@code run_cnt} count; {@link #close()} puts back the value found.
 */
final class BpfStatsSwitch implements AutoCloseable {
    static final Path SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private final String previous;
    private boolean restored;

    private BpfStatsSwitch(String previous) {
        this.previous = previous;
    }

    static BpfStatsSwitch enable() {
        String previous = read();
        write("1");
        return new BpfStatsSwitch(previous);
    }

    String previous() {
        return previous;
    }

    static String read() {
        try {
            return Files.readString(SYSCTL).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SYSCTL + " (kernel without BPF run statistics?)", e);
        }
    }

    private static void write(String v) {
        try {
            Files.writeString(SYSCTL, v);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + v + " to " + SYSCTL, e);
        }
    }

    @Override
    public synchronized void close() {
        if (restored) return;
        if (!read().equals(previous)) write(previous);
        restored = true;
    }
}
