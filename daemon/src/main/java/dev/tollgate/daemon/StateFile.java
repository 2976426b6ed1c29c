package dev.tollgate.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.tollgate.units.UnitSuffix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The little that is not in the kernel: which units were running, their main pid and start
 * time, and transient units' text. Written atomically (temporary file, rename) on every
 * state change, so a daemon killed at any moment leaves a complete file behind.
 */
final class StateFile {
    /** One running unit. */
    record Entry(String name, String state, String subState, long mainPid, long activeEnterMicros, String result,
                 String transientText) {}

    record Content(int version, List<Entry> units) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Changes within this window are written together: a burst of starts costs a few writes, not one each. */
    private static final long COALESCE_MS = 20;
    /**
     * The window grows with the number of running units the last write held (200 µs each), as
     * each write serializes all of them: at a fixed 20 ms a boot of 1,000 units rewrote the
     * file hundreds of times (7 % of its CPU, O(units) each). With a few units it stays 20 ms,
     * so a daemon killed with -9 right after a change still finds the change there; bounded so
     * that the file is never more than a second behind.
     */
    private static final long MICROS_PER_UNIT = 200;
    private static final long MAX_WINDOW_MS = 1000;
    private volatile int lastEntries;
    private final Path file;
    private final java.util.concurrent.atomic.AtomicBoolean pending = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ScheduledExecutorService writer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("state-file").factory());

    StateFile(Path file) {
        this.file = file;
    }

    /**
     * Asks for the state to be written soon, from the units as they are then. A daemon killed
     * inside the window loses at most the last few milliseconds of changes; the start-up scan
     * of populated cgroups covers units that the file does not name yet.
     */
    void saveSoon(java.util.function.Supplier<Collection<UnitRecord>> units) {
        if (writer.isShutdown()) return;
        if (pending.compareAndSet(false, true)) {
            writer.schedule(() -> {
                pending.set(false);
                save(units.get());
            }, window(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private long window() {
        return Math.min(MAX_WINDOW_MS, COALESCE_MS + lastEntries * MICROS_PER_UNIT / 1000);
    }

    /** Writes now and stops the background writer. */
    void flush(Collection<UnitRecord> units) {
        writer.shutdownNow();
        save(units);
    }

    synchronized void save(Collection<UnitRecord> units) {
        List<Entry> entries = new ArrayList<>();
        for (UnitRecord u : units) {
            if (u.state().isInactive()) continue;
            if (u.name().type() != UnitSuffix.SERVICE) continue;
            long since = u.activeEnter() == null ? 0 : u.activeEnter().getEpochSecond() * 1_000_000L + u.activeEnter().getNano() / 1000;
            entries.add(new Entry(u.name().id(), u.activeState().wireName(), u.state().spelling(), u.mainPid(), since,
                    u.result().spelling(), u.isTransient() ? u.transientText() : null));
        }
        try {
            if (!Files.isDirectory(file.getParent())) Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), new Content(1, entries));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.error("cannot write %s: %s", file, e.getMessage());
        }
        lastEntries = entries.size();
    }

    /** Stops the background writer; a write not yet made is dropped (the daemon flushes before). */
    void close() {
        writer.shutdownNow();
        try {
            // A write under way finishes before the caller removes the directory.
            if (!writer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) Log.warning("state file writer did not stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Entry> load() {
        if (!Files.exists(file)) return List.of();
        try {
            return JSON.readValue(file.toFile(), Content.class).units();
        } catch (IOException e) {
            Log.error("cannot read %s, starting without it: %s", file, e.getMessage());
            return List.of();
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.warning("cannot remove %s: %s", file, e.getMessage());
        }
    }
}
