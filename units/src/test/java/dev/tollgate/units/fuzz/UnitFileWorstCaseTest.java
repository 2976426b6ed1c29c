package dev.tollgate.units.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Await;
import dev.tollgate.units.HostFacts;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.syntax.UnitFileSyntax;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fuzzer's findings as fixed inputs: unit files at the sizes the parser accepts (a line or
 * a continuation up to systemd's LONG_LINE_MAX, 1 MiB) in the shapes that are worst for it,
 * each loaded through {@link UnitLoader#load}, ending in a {@link LoadResult}, in time that
 * grows at most about linearly with the input: the same shape at a quarter of the size and at
 * full size, each the fastest of {@value #REPETITIONS} runs (interleaved), may differ by at
 * most {@value #MAX_GROWTH}× (linear is 4×, quadratic 16×). The time is the loading thread's
 * CPU time: on a busy machine the wall-clock time of a large load is mostly waiting for a CPU
 * and for the garbage collector's threads (a 1 MiB load took 17× its idle time beside two CPU
 * burners, a 256 KiB one no longer), neither of which says anything about the parser. No
 * absolute time is asserted; a load that does not end within {@link Await#SAFETY_NET} is a hang.
 */
class UnitFileWorstCaseTest {
    /** Just under LONG_LINE_MAX, for what has to fit in one line (after continuations are joined). */
    private static final int LIMIT = UnitFileSyntax.LONG_LINE_MAX - 64;
    private static final int REPETITIONS = 3;
    /** At most this many pairs while the growth looks more than linear. */
    private static final int MAX_REPETITIONS = 12;
    /** Allowed growth from a quarter of the size to full size: linear (4×) with slack for noise. */
    private static final double MAX_GROWTH = 10;
    /**
     * Below this the smaller load is too short to time against the larger (a timer tick, a
     * collection): its time counts as this much. A quadratic shape takes seconds at full size.
     */
    private static final long NOISE_FLOOR_NANOS = 20_000_000;

    private static ExecutorService worker;

    @BeforeAll
    static void startWorker() {
        worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("worst-case-load").factory());
    }

    @AfterAll
    static void stopWorker() {
        worker.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "Environment= with many assignments",
        "IPAddressAllow= with many prefixes",
        "SocketBindAllow= with many rules",
        "After= with many units",
        "many After= lines",
        "many IPAddressDeny= lines",
        "many ExecStartPre= lines",
        "Description= with many specifiers",
        "continuation of short lines",
        "ExecStart= with many words",
        "ExecStart= with many quoted words",
        "ExecStartPre= with many commands after ';'",
    })
    void aWorstCaseUnitFileLoadsInTimeLinearInItsSize(String shape, @TempDir Path dir) throws Exception {
        byte[] quarter = unit(shape, LIMIT / 4).getBytes(StandardCharsets.UTF_8);
        byte[] full = unit(shape, LIMIT).getBytes(StandardCharsets.UTF_8);
        long quarterNanos = Long.MAX_VALUE;
        long fullNanos = Long.MAX_VALUE;
        LoadResult r = null;
        double growth = Double.MAX_VALUE;
        int repetitions = 0;
        // More pairs while it looks more than linear: a machine busy with other work inflates
        // some loads' CPU time (seen: 311 ms against 32-67 ms alone), never every one of a run,
        // while a shape that is really worse than linear stays so in every pair.
        while (repetitions < REPETITIONS || (growth > MAX_GROWTH && repetitions < MAX_REPETITIONS)) {
            quarterNanos = Math.min(quarterNanos, timed(shape, quarter, dir).nanos());
            Timed t = timed(shape, full, dir);
            fullNanos = Math.min(fullNanos, t.nanos());
            r = t.result();
            repetitions++;
            growth = (double) fullNanos / Math.max(quarterNanos, NOISE_FLOOR_NANOS);
        }
        System.out.printf("UnitFileWorstCaseTest: %s: %d bytes %.1f ms, %d bytes %.1f ms (CPU, fastest of %d): growth %.1f×; %s with %d diagnostics%n",
                shape, quarter.length, quarterNanos / 1e6, full.length, fullNanos / 1e6, repetitions, growth,
                r.getClass().getSimpleName(), r.diagnostics().size());
        assertThat(r).as("%s", r.diagnostics()).isInstanceOf(shape.startsWith("SocketBindAllow") ? LoadResult.Failed.class
                : LoadResult.Loaded.class);
        assertThat(growth).as("%s: %d bytes took %.1f ms of CPU, %d bytes %.1f ms: more than linear", shape, quarter.length,
                quarterNanos / 1e6, full.length, fullNanos / 1e6).isLessThanOrEqualTo(MAX_GROWTH);
    }

    private record Timed(LoadResult result, long nanos) {}

    /**
     * One load of {@code text} as a unit file and the CPU time of the thread that loaded it; a
     * load that does not end within the safety net fails as a hang.
     */
    private static Timed timed(String shape, byte[] text, Path dir) throws Exception {
        Files.write(dir.resolve("worst.service"), text);
        UnitLoader loader = new UnitLoader(List.of(dir), HostFacts.unknown());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Future<Timed> f = worker.submit(() -> {
            long cpu0 = threads.getCurrentThreadCpuTime();
            LoadResult r = loader.load("worst.service");
            return new Timed(r, threads.getCurrentThreadCpuTime() - cpu0);
        });
        try {
            return f.get(Await.SAFETY_NET.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException hang) {
            f.cancel(true);
            // The thread cannot be stopped; it is a daemon thread. The next load gets a fresh one.
            worker.shutdownNow();
            worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("worst-case-load").factory());
            throw new AssertionError("loading a " + text.length + "-byte unit file (" + shape + ") did not end within "
                    + Await.SAFETY_NET + " (hang guard)");
        }
    }

    private static String unit(String shape, int limit) {
        String head = "[Unit]\nDescription=worst case\n[Service]\nExecStart=/bin/true\n";
        String bare = "[Unit]\nDescription=worst case\n[Service]\n";
        return switch (shape) {
            // Each joined piece re-copies and re-scans everything joined so far.
            case "continuation of short lines" -> head + "Environment=A=" + repeat(limit - 20, i -> "x \\\n") + "end\n";
            case "ExecStart= with many words" -> bare + "ExecStart=/bin/true " + repeat(limit - 30, i -> "a ") + "\n";
            case "ExecStartPre= with many commands after ';'" -> head + "ExecStartPre=" + repeat(limit - 20, i -> "/bin/true ; ") + "\n";
            case "ExecStart= with many quoted words" -> bare + "ExecStart=/bin/true " + repeat(limit - 30, i -> "\"a\" ") + "\n";
            case "Environment= with many assignments" -> head + "Environment=" + repeat(limit - 20, i -> "A" + (i % 100) + "=1 ") + "\n";
            case "IPAddressAllow= with many prefixes" -> head + "IPAddressAllow="
                    + repeat(limit - 20, i -> "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + " ") + "\n";
            case "SocketBindAllow= with many rules" -> head + repeat(limit, i -> "SocketBindAllow=ipv4:tcp:" + (1 + i % 65535) + "\n");
            case "After= with many units" -> head.replace("[Service]", "After=" + repeat(limit - 20, i -> "u" + i + ".service ") + "\n[Service]");
            case "many After= lines" -> "[Unit]\n" + repeat(4 * limit, i -> "After=u" + i + ".service\n") + head.substring(7);
            case "many IPAddressDeny= lines" -> head + repeat(4 * limit,
                    i -> "IPAddressDeny=10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + "\n");
            case "many ExecStartPre= lines" -> head + repeat(2 * limit, i -> "ExecStartPre=/bin/true " + i + "\n");
            case "Description= with many specifiers" -> head.replace("Description=worst case", "Description=" + repeat(limit - 20, i -> "%n%i%p"));
            default -> throw new IllegalArgumentException(shape);
        };
    }

    /** Pieces of text one after the other until {@code size} characters. */
    private static String repeat(int size, IntFunction<String> piece) {
        StringBuilder b = new StringBuilder(size + 64);
        for (int i = 0; b.length() < size; i++) {
            String p = piece.apply(i);
            if (b.length() + p.length() > size) break;
            b.append(p);
        }
        return b.toString();
    }
}
