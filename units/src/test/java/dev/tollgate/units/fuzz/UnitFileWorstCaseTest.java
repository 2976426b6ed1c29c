package dev.tollgate.units.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.HostFacts;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.syntax.UnitFileSyntax;
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
 * each loaded through {@link UnitLoader#load} within {@value UnitFileFuzzTest#PER_LOAD_MS} ms
 * (the fuzzer's hang guard), ending in a {@link LoadResult}.
 */
class UnitFileWorstCaseTest {
    /** Just under LONG_LINE_MAX, for what has to fit in one line (after continuations are joined). */
    private static final int LIMIT = UnitFileSyntax.LONG_LINE_MAX - 64;

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
    // The shapes that are slow today come last: a load that overruns the guard keeps its thread
    // busy until it ends, which would slow the cases after it.
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
    void aWorstCaseUnitFileLoadsWithinTheHangGuard(String shape, @TempDir Path dir) throws Exception {
        byte[] text = unit(shape).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("worst.service"), text);
        UnitLoader loader = new UnitLoader(List.of(dir), HostFacts.unknown());
        long t0 = System.nanoTime();
        Future<LoadResult> f = worker.submit(() -> loader.load("worst.service"));
        LoadResult r;
        try {
            r = f.get(UnitFileFuzzTest.PER_LOAD_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException hang) {
            f.cancel(true);
            // The thread cannot be stopped; it is a daemon thread. The next case gets a fresh one.
            worker.shutdownNow();
            worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("worst-case-load").factory());
            throw new AssertionError("loading a " + text.length + "-byte unit file (" + shape + ") took more than "
                    + UnitFileFuzzTest.PER_LOAD_MS + " ms");
        }
        System.out.printf("UnitFileWorstCaseTest: %s: %d bytes, %.1f ms, %s with %d diagnostics%n", shape, text.length,
                (System.nanoTime() - t0) / 1e6, r.getClass().getSimpleName(), r.diagnostics().size());
        assertThat(r).isNotNull();
        assertThat(r).as("%s", r.diagnostics()).isInstanceOf(shape.startsWith("SocketBindAllow") ? LoadResult.Failed.class
                : LoadResult.Loaded.class);
    }

    private static String unit(String shape) {
        String head = "[Unit]\nDescription=worst case\n[Service]\nExecStart=/bin/true\n";
        String bare = "[Unit]\nDescription=worst case\n[Service]\n";
        return switch (shape) {
            // Each joined piece re-copies and re-scans everything joined so far.
            case "continuation of short lines" -> head + "Environment=A=" + repeat(LIMIT - 20, i -> "x \\\n") + "end\n";
            case "ExecStart= with many words" -> bare + "ExecStart=/bin/true " + repeat(LIMIT - 30, i -> "a ") + "\n";
            case "ExecStartPre= with many commands after ';'" -> head + "ExecStartPre=" + repeat(LIMIT - 20, i -> "/bin/true ; ") + "\n";
            case "ExecStart= with many quoted words" -> bare + "ExecStart=/bin/true " + repeat(LIMIT - 30, i -> "\"a\" ") + "\n";
            case "Environment= with many assignments" -> head + "Environment=" + repeat(LIMIT - 20, i -> "A" + (i % 100) + "=1 ") + "\n";
            case "IPAddressAllow= with many prefixes" -> head + "IPAddressAllow="
                    + repeat(LIMIT - 20, i -> "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + " ") + "\n";
            case "SocketBindAllow= with many rules" -> head + repeat(LIMIT, i -> "SocketBindAllow=ipv4:tcp:" + (1 + i % 65535) + "\n");
            case "After= with many units" -> head.replace("[Service]", "After=" + repeat(LIMIT - 20, i -> "u" + i + ".service ") + "\n[Service]");
            case "many After= lines" -> "[Unit]\n" + repeat(4 * LIMIT, i -> "After=u" + i + ".service\n") + head.substring(7);
            case "many IPAddressDeny= lines" -> head + repeat(4 * LIMIT,
                    i -> "IPAddressDeny=10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + "\n");
            case "many ExecStartPre= lines" -> head + repeat(2 * LIMIT, i -> "ExecStartPre=/bin/true " + i + "\n");
            case "Description= with many specifiers" -> head.replace("Description=worst case", "Description=" + repeat(LIMIT - 20, i -> "%n%i%p"));
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
