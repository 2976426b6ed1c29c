package dev.tollgate.units.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Await;
import dev.tollgate.units.HostFacts;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, reliability 3 (the unit-file half): random mutations of real unit files (the
 * systemd units this machine ships, the project's examples, and a few seeds that use every
 * directive tollgate acts on), loaded through {@link UnitLoader#load} (as a unit file, a
 * drop-in, or a template's instance, in a temporary search directory) and through
 * {@link UnitLoader#loadTransient}. Whatever the bytes, only a {@link LoadResult} with its
 * {@link UnitFileDiagnostic}s may come back: no other exception, and no load may hang (a load that
 * does not end within {@link Await#SAFETY_NET} is reported as a hang; that the time grows no
 * more than linearly with the input is {@link UnitFileWorstCaseTest}'s to show).
 *
 * <p>{@value #DEFAULT_COUNT} mutants of seed {@value #DEFAULT_SEED}: the same mutants in every
 * run, however fast the machine. A mutant is a function of the seed and its number alone:
 * explore with another seed ({@code -Dtollgate.fuzz.seed=S}, printed), rerun one with
 * {@code -Dtollgate.fuzz.seed=S -Dtollgate.fuzz.only=N}, change the amount with
 * {@code -Dtollgate.fuzz.count=}. A failing mutant is printed (escaped, cut) and written whole
 * under {@code target/fuzz-failures/}.
 */
class UnitFileFuzzTest {
    static final int DEFAULT_COUNT = 20_000;
    /** CI's seed; another one only through -Dtollgate.fuzz.seed. */
    static final long DEFAULT_SEED = 0x7011_6A7E_F022L;
    /** Distinct failures (by exception and top frame) reported before the run stops. */
    private static final int MAX_FAILURES = 8;
    /** Loads that hung before the run stops (each leaves a thread spinning). */
    private static final int MAX_HANGS = 3;

    private static final List<Path> CORPUS_DIRS = List.of(Path.of("/lib/systemd/system"), Path.of("/usr/lib/systemd/system"));

    /** Seeds of our own, so that tollgate's directives are fuzzed even where there is no systemd corpus. */
    private static final List<String> SEEDS = List.of("""
            [Unit]
            Description=Seed: a service with all of tollgate's network settings %n on %H
            Documentation=man:tollgate(8) https://tollgate.dev/
            Requires=a.service
            Wants=b.service c@%i.service
            After=network.target
            ConditionPathExists=!/nonexistent
            [Service]
            Type=notify
            Slice=web-api.slice
            User=nobody
            Group=nogroup
            WorkingDirectory=-~
            Environment="A=1" B=two\\ words 'C=${A} $B'
            EnvironmentFile=-/etc/default/%p
            ExecStartPre=-/bin/true %i
            ExecStart=/usr/bin/env A="${A}" sh -c 'echo "%%u $$A \\"q\\"" >/dev/null; exec sleep 1'
            ExecStartPost=+@/bin/true true
            ExecStop=/bin/kill -TERM $MAINPID
            IPAccounting=yes
            IPAddressDeny=any
            IPAddressAllow=localhost link-local multicast 10.0.0.0/8 192.168.1.7 ::1/128 fe80::/64
            IPAddressAllow=
            IPAddressAllow=127.0.0.1
            IPIngressFilterPath=/sys/fs/bpf/foo
            IPEgressFilterPath=
            BPFProgram=egress:/sys/fs/bpf/bar
            SocketBindAllow=ipv4:udp:1024-65535
            SocketBindDeny=any
            Delegate=yes
            Restart=on-failure
            RestartSec=500ms
            TimeoutStartSec=1min 30s
            TimeoutStopSec=infinity
            KillMode=mixed
            KillSignal=SIGINT
            StandardOutput=append:/var/log/%N.log
            StandardError=null
            RemainAfterExit=no
            [Install]
            WantedBy=multi-user.target
            Alias=seed-alias.service
            """, """
            [Unit]
            Description=Seed slice
            [Slice]
            IPAccounting=true
            IPAddressDeny=0.0.0.0/0 ::/0
            IPAddressAllow=127.0.0.0/8
            Delegate=cpu memory
            """, """
            [Service]
            ExecStart=/bin/sh -c "while :; do echo \\x41\\u00e9\\n; sleep 1; done"
            ExecStart=
            ExecStart=!!/bin/echo ${FOO:-bar} $${X} \\
              continued \\
              # a comment inside a continuation
              end
            """);

    /** Directive names tollgate acts on, spliced into mutants beside those the corpus has. */
    private static final List<String> KEYS = List.of("IPAccounting", "IPAddressAllow", "IPAddressDeny", "IPIngressFilterPath",
            "IPEgressFilterPath", "BPFProgram", "SocketBindAllow", "SocketBindDeny", "Delegate", "Slice", "ExecStart",
            "ExecStartPre", "ExecStartPost", "ExecStop", "Environment", "EnvironmentFile", "User", "Group", "WorkingDirectory",
            "StandardOutput", "StandardError", "Type", "Restart", "RestartSec", "TimeoutStartSec", "TimeoutStopSec",
            "TimeoutSec", "KillMode", "KillSignal", "RemainAfterExit", "WantedBy", "RequiredBy", "Alias", "Also", "Requires",
            "Wants", "After", "Before", "Description", "Documentation", "DefaultDependencies");

    private static final List<String> SECTIONS = List.of("[Unit]", "[Service]", "[Slice]", "[Install]", "[Scope]", "[X-Fuzz]",
            "[service]", "[]", "[Unit", "Unit]", "[Un it]", "[Ünit]", "[../Service]", "[Service]]");

    /** Values that are edge cases for the parsers of numbers, times, addresses, words, paths and specifiers. */
    private static final List<String> VALUES = List.of("", " ", "yes", "no", "0", "-1", "18446744073709551615",
            "18446744073709551616", "99999999999999999999999999", "0x", "0x7fffffff", "1e9999", "infinity", "-infinity",
            "5min 3s 2ms 1us", "1y 1month", "::", ":::", "0.0.0.0/33", "::/129", "1.2.3.4/-1", "1.2.3.4/0x20", "256.1.1.1",
            "any", "localhost", "link-local", "multicast", "fe80::1%eth0", "::ffff:1.2.3.4/96", "ipv4:tcp:0-65535",
            "ipv6:udp:70000", "any:any:any", "egress:", ":/x", "ingress:/sys/fs/bpf/../../etc", "%", "%%", "%Z", "%i%j%n%N%p%P%H%m%b",
            "${", "$", "$$", "${A", "${A:-", "$A$B", "\\", "\\\\", "\\x", "\\xZZ", "\\u12", "\\U0010ffff", "\\U00110000",
            "\"", "'", "\"unterminated", "'un'terminated\"", "-", "@", "+", "!", "!!", ":", "|", "-@+!!:|/bin/true",
            "/", "//", "/..", "../x", "~", "~nobody", "relative/path", "/bin/sh -c '", "=", "==", "a=b=c",
            "root", "nobody", "65534", "4294967295", "-5", "user name", "SIGKILL", "SIGRTMIN+40", "RTMAX-1", "KILL", "0",
            "control-group", "mixed", "process", "none", "simple", "exec", "forking", "oneshot", "notify", "dbus", "idle",
            "always", "on-abort", "null", "inherit", "journal", "file:", "append:", "truncate:/tmp/x", "socket", "tty");

    /** Tokens inserted at random places. */
    private static final List<String> INSERTS = List.of("\"", "'", "\\", "%", "$", "\n", "\0", "\r", "\t", " ", "=", "[", "]",
            ";", "#", "${", "$(", "%%", "%i", "%Z", "\\x", "\\u12", "\\\n", "\\\r\n", "\r\n", "\n[Service]\n", "\n[Unit]\n",
            "\u00e9", "\uFEFF", "\u2028", "\uD83D\uDE00", "-", "@", "+", "!", ":", "|", "/", "..", "*", "?", "~", "\\\\\\");

    private static final byte[][] RAW_INSERTS = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {0}, {(byte) 0x80}};

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void mutantsOfRealUnitFilesGiveOnlyLoadResultsAndDiagnostics(@TempDir Path tmp) throws Exception {
        long seed = Long.getLong("tollgate.fuzz.seed", DEFAULT_SEED);
        int count = Integer.getInteger("tollgate.fuzz.count", DEFAULT_COUNT);
        Integer only = Integer.getInteger("tollgate.fuzz.only");
        List<Corpus> corpus = corpus();
        List<String> keys = keys(corpus);
        System.out.printf("UnitFileFuzzTest: seed=%d (rerun with -Dtollgate.fuzz.seed=%d), corpus of %d files, %d directive names%n",
                seed, seed, corpus.size(), keys.size());

        Path dir = Files.createDirectories(tmp.resolve("units"));
        UnitLoader loader = new UnitLoader(List.of(dir), HostFacts.probe().withBootId("0123456789abcdef0123456789abcdef"));
        ExecutorService worker = newWorker(0);
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, String> failures = new LinkedHashMap<>(); // signature -> report
        long slowestNanos = 0;
        String slowest = "";
        int done = 0;
        int hangs = 0;
        long loads = 0;
        long diagnostics = 0;
        long t0 = System.nanoTime();
        try {
            for (int i = only == null ? 0 : only; i < (only == null ? count : only + 1); i++) {
                Mutant m = mutate(seed, i, corpus, keys);
                for (Load load : loadsOf(m, seed, i)) {
                    load.prepare(dir);
                    long s = System.nanoTime();
                    Future<LoadResult> f = worker.submit(() -> load.run(loader));
                    LoadResult r;
                    try {
                        r = f.get(Await.SAFETY_NET.toMillis(), TimeUnit.MILLISECONDS);
                        String problem = check(r, load.name());
                        if (problem != null) throw new IllegalStateException(problem);
                    } catch (TimeoutException hang) {
                        String stack = stackOf("fuzz-load-" + hangs);
                        String sig = "hang " + stack.lines().filter(l -> l.contains("dev.tollgate.units.")
                                && !l.contains(".fuzz.")).findFirst().orElse("?").trim();
                        if (!failures.containsKey(sig)) {
                            String report = report(seed, i, m, load, "no result within " + Await.SAFETY_NET + " (hang guard)", stack);
                            failures.put(sig, report);
                            System.out.println(report);
                        }
                        // The stuck thread cannot be stopped: leave it (a daemon thread) and go on with a
                        // new one, up to a few hangs.
                        worker.shutdownNow();
                        worker = newWorker(hangs + 1);
                        if (++hangs >= MAX_HANGS || failures.size() >= MAX_FAILURES) throw new StopFuzzing();
                        continue;
                    } catch (ExecutionException | IllegalStateException e) {
                        Throwable cause = e instanceof ExecutionException ee ? ee.getCause() : e;
                        String sig = signature(cause);
                        if (!failures.containsKey(sig)) {
                            String report = report(seed, i, m, load, cause.toString(), stackTrace(cause));
                            failures.put(sig, report);
                            System.out.println(report);
                        }
                        if (failures.size() >= MAX_FAILURES) throw new StopFuzzing();
                        continue;
                    } finally {
                        long took = System.nanoTime() - s;
                        if (took > slowestNanos) {
                            slowestNanos = took;
                            slowest = "mutant " + i + " (" + m.ops() + ", " + m.bytes().length + " bytes, " + load.describe() + ")";
                        }
                        loads++;
                    }
                    outcomes.merge(load.kind() + " -> " + r.getClass().getSimpleName(), 1, Integer::sum);
                    diagnostics += r.diagnostics().size();
                }
                done++;
            }
        } catch (StopFuzzing stop) {
            // reported above
        } finally {
            worker.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("UnitFileFuzzTest: %d mutants, %d loads in %.1f s (seed %d); %d diagnostics; slowest load %.1f ms: %s%n",
                done, loads, seconds, seed, diagnostics, slowestNanos / 1e6, slowest);
        outcomes.forEach((k, v) -> System.out.printf("  %6d × %s%n", v, k));
        assertThat(failures.values().stream().map(f -> f.lines().limit(4).reduce((a, b) -> a + "\n" + b).orElse("")).toList())
                .as("loads that did not end in a LoadResult (seed %d; details above)", seed).isEmpty();
        assertThat(done).as("mutants tried").isEqualTo(only == null ? count : 1);
    }

    /** The thread that runs the loads, so that a hang can be abandoned (daemon thread) and named in the report. */
    private static ExecutorService newWorker(int n) {
        return Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("fuzz-load-" + n).factory());
    }

    private static final class StopFuzzing extends RuntimeException {
        StopFuzzing() {
            super(null, null, false, false);
        }
    }

    // ---- the corpus ---------------------------------------------------------------------------

    /** A corpus file: where it came from, its bytes, and whether it is a slice. */
    record Corpus(String origin, byte[] bytes, boolean slice) {}

    static List<Corpus> corpus() throws IOException {
        Map<Path, Path> byReal = new TreeMap<>();
        List<Path> dirs = new ArrayList<>(CORPUS_DIRS);
        examplesDir().ifPresent(dirs::add);
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    try {
                        if (!Files.isRegularFile(p) || Files.size(p) > 256 * 1024) continue;
                        byReal.putIfAbsent(p.toRealPath(), p);
                    } catch (IOException unreadable) {
                        // dangling link and the like
                    }
                }
            }
        }
        List<Corpus> out = new ArrayList<>();
        for (String s : SEEDS) out.add(new Corpus("seed " + out.size(), s.getBytes(StandardCharsets.UTF_8), s.contains("[Slice]")));
        List<Path> files = new ArrayList<>(byReal.values());
        files.sort(Comparator.comparing(Path::toString));
        for (Path p : files) {
            byte[] b = Files.readAllBytes(p);
            if (b.length > 0) out.add(new Corpus(p.toString(), b, p.getFileName().toString().endsWith(".slice")));
        }
        return out;
    }

    /** examples/units of the project, found from the module directory upwards. */
    private static Optional<Path> examplesDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path e = d.resolve("examples/units");
            if (Files.isDirectory(e)) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** Directive names found in the corpus ("Key=" at the start of a line), and ours. */
    private static List<String> keys(List<Corpus> corpus) {
        TreeSet<String> keys = new TreeSet<>(KEYS);
        for (Corpus c : corpus) {
            for (String line : new String(c.bytes(), StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0 && line.substring(0, eq).matches("[A-Za-z][A-Za-z0-9]*")) keys.add(line.substring(0, eq));
            }
        }
        return List.copyOf(keys);
    }

    // ---- mutation -----------------------------------------------------------------------------

    record Mutant(byte[] bytes, String origin, boolean slice, List<String> ops) {}

    /** Mutant number {@code i} of a run: depends on the seed and {@code i} only. */
    static Mutant mutate(long seed, int i, List<Corpus> corpus, List<String> keys) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + i);
        Corpus base = corpus.get(r.nextInt(corpus.size()));
        Buf b = new Buf(base.bytes());
        List<String> ops = new ArrayList<>();
        int n = 1 + (r.nextInt(4) == 0 ? r.nextInt(12) : r.nextInt(3));
        for (int k = 0; k < n; k++) ops.add(mutateOnce(r, b, corpus, keys));
        return new Mutant(b.bytes(), base.origin(), base.slice(), ops);
    }

    /** Whether the costly mutations (huge lines, long continuation chains, mass duplication) are made; on by default. */
    private static final boolean LARGE = Boolean.parseBoolean(System.getProperty("tollgate.fuzz.large", "true"));

    private static String mutateOnce(Random r, Buf b, List<Corpus> corpus, List<String> keys) {
        // Costly mutations (6, 7, and 12's mass duplication) are rare, so that ~20k mutants fit in ~30 s.
        int op = r.nextInt(16);
        while ((op == 6 || op == 7) && (!LARGE || r.nextInt(12) != 0)) op = r.nextInt(16);
        switch (op) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                for (int k = 0; k < flips && b.size() > 0; k++) {
                    int at = r.nextInt(b.size());
                    b.set(at, (byte) (b.get(at) ^ (1 << r.nextInt(8))));
                }
                return "flip " + flips + " bits";
            }
            case 1 -> {
                int at = r.nextInt(b.size() + 1);
                b.insert(at, (byte) r.nextInt(256));
                return "insert a random byte";
            }
            case 2, 3 -> {
                String t = INSERTS.get(r.nextInt(INSERTS.size()));
                int times = r.nextInt(8) == 0 ? 1 + r.nextInt(50) : 1;
                b.insert(r.nextInt(b.size() + 1), utf8(t.repeat(times)));
                return "insert " + escape(t) + (times > 1 ? " ×" + times : "");
            }
            case 4 -> {
                byte[] raw = RAW_INSERTS[r.nextInt(RAW_INSERTS.length)];
                b.insert(r.nextInt(b.size() + 1), raw);
                return "insert raw bytes " + escape(new String(raw, StandardCharsets.ISO_8859_1));
            }
            case 5 -> {
                int at = b.size() == 0 ? 0 : r.nextInt(b.size());
                b.truncate(at);
                return "truncate at " + at;
            }
            case 6 -> {
                // Around LONG_LINE_MAX (1 MiB) now and then, else up to 100k.
                int len = r.nextInt(8) == 0 ? (1 << 20) - 2 + r.nextInt(5) : 1 + r.nextInt(r.nextBoolean() ? 1000 : 100_000);
                String key = keys.get(r.nextInt(keys.size()));
                String line = switch (r.nextInt(6)) {
                    case 0 -> "A".repeat(len);
                    case 1 -> key + "=" + "x".repeat(len);
                    case 2 -> "ExecStart=/bin/true " + "a ".repeat(len / 2);
                    case 3 -> "IPAddressAllow=" + "10.0.0.1 ".repeat(len / 9 + 1);
                    case 4 -> "[" + "S".repeat(len) + "]";
                    default -> key + "=" + "\"" + "\\\"".repeat(len / 2) + "\"";
                };
                b.insert(b.lineStart(r.nextInt(b.size() + 1)), utf8(line + "\n"));
                return "huge line (" + line.length() + " chars, " + escape(line.substring(0, Math.min(20, line.length()))) + "…)";
            }
            case 7 -> {
                int lines = 1 + r.nextInt(r.nextBoolean() ? 100 : 20_000);
                String piece = r.nextBoolean() ? "x\\\n" : "Description=y \\\n";
                b.insert(b.lineStart(r.nextInt(b.size() + 1)), utf8(piece.repeat(lines) + "end\n"));
                return "continuation chain of " + lines + " lines";
            }
            case 8 -> {
                b.replace(shuffleSections(r, new String(b.bytes(), StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
                return "section shuffle";
            }
            case 9 -> {
                String header = SECTIONS.get(r.nextInt(SECTIONS.size()));
                b.insert(b.lineStart(r.nextInt(b.size() + 1)), utf8(header + "\n"));
                return "section header " + header;
            }
            case 10, 11 -> {
                String key = keys.get(r.nextInt(keys.size()));
                String value = r.nextInt(3) == 0 ? valueFrom(r, corpus) : VALUES.get(r.nextInt(VALUES.size()));
                if (r.nextInt(4) == 0) value = value + " " + VALUES.get(r.nextInt(VALUES.size()));
                String line = key + "=" + value + "\n";
                b.insert(b.lineStart(r.nextInt(b.size() + 1)), utf8(line));
                return "splice " + escape(line.strip());
            }
            case 12 -> {
                List<String> lines = new ArrayList<>(List.of(new String(b.bytes(), StandardCharsets.ISO_8859_1).split("\n", -1)));
                if (lines.isEmpty()) return "no lines";
                int at = r.nextInt(lines.size());
                String what;
                switch (r.nextInt(4)) {
                    case 0 -> {
                        int times = 1 + r.nextInt(LARGE && r.nextInt(10) == 0 ? 2000 : 10);
                        for (int k = 0; k < times; k++) lines.add(at, lines.get(at));
                        what = "duplicate line " + at + " ×" + times;
                    }
                    case 1 -> {
                        lines.remove(at);
                        what = "delete line " + at;
                    }
                    case 2 -> {
                        int other = r.nextInt(lines.size());
                        String x = lines.get(at);
                        lines.set(at, lines.get(other));
                        lines.set(other, x);
                        what = "swap lines " + at + " and " + other;
                    }
                    default -> {
                        if (at + 1 < lines.size()) lines.set(at, lines.get(at) + lines.remove(at + 1));
                        what = "join line " + at + " with the next";
                    }
                }
                b.replace(String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1));
                return what;
            }
            case 13 -> {
                Corpus other = corpus.get(r.nextInt(corpus.size()));
                int cut = r.nextInt(b.size() + 1);
                int from = r.nextInt(other.bytes().length + 1);
                b.truncate(cut);
                b.insert(cut, java.util.Arrays.copyOfRange(other.bytes(), from, other.bytes().length));
                return "crossover at " + cut + " with " + other.origin() + " from " + from;
            }
            case 14 -> {
                String s = new String(b.bytes(), StandardCharsets.ISO_8859_1);
                boolean crlf = r.nextBoolean();
                b.replace((crlf ? s.replace("\n", "\r\n") : s.replace("\n", "\r")).getBytes(StandardCharsets.ISO_8859_1));
                return crlf ? "CRLF line ends" : "CR line ends";
            }
            default -> {
                // Replace one value (after the first '=' of a line) with an edge case.
                List<String> lines = new ArrayList<>(List.of(new String(b.bytes(), StandardCharsets.UTF_8).split("\n", -1)));
                List<Integer> assignments = new ArrayList<>();
                for (int k = 0; k < lines.size(); k++) if (lines.get(k).indexOf('=') > 0) assignments.add(k);
                if (assignments.isEmpty()) return "no assignment to change";
                int at = assignments.get(r.nextInt(assignments.size()));
                String l = lines.get(at);
                String v = VALUES.get(r.nextInt(VALUES.size()));
                lines.set(at, l.substring(0, l.indexOf('=') + 1) + v);
                b.replace(utf8(String.join("\n", lines)));
                return "value of line " + at + " := " + escape(v);
            }
        }
    }

    private static String valueFrom(Random r, List<Corpus> corpus) {
        String[] lines = new String(corpus.get(r.nextInt(corpus.size())).bytes(), StandardCharsets.UTF_8).split("\n");
        for (int k = 0; k < 10; k++) {
            String l = lines[r.nextInt(lines.length)];
            int eq = l.indexOf('=');
            if (eq > 0) return l.substring(eq + 1);
        }
        return "";
    }

    private static String shuffleSections(Random r, String text) {
        List<String> sections = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("(?<=\n)")) {
            if (line.startsWith("[") && !current.isEmpty()) {
                sections.add(current.toString());
                current.setLength(0);
            }
            current.append(line);
        }
        if (!current.isEmpty()) sections.add(current.toString());
        if (sections.isEmpty()) return text;
        switch (r.nextInt(3)) {
            case 0 -> java.util.Collections.shuffle(sections, r);
            case 1 -> sections.add(r.nextInt(sections.size() + 1), sections.get(r.nextInt(sections.size())));
            default -> sections.remove(r.nextInt(sections.size()));
        }
        return String.join("", sections.stream().map(s -> s.endsWith("\n") ? s : s + "\n").toList());
    }

    /** A growable byte buffer with the few edits the mutations need. */
    private static final class Buf {
        private byte[] b;
        private int n;

        Buf(byte[] initial) {
            b = initial.clone();
            n = b.length;
        }

        int size() {
            return n;
        }

        byte get(int i) {
            return b[i];
        }

        void set(int i, byte v) {
            b[i] = v;
        }

        void insert(int at, byte... x) {
            if (n + x.length > b.length) b = java.util.Arrays.copyOf(b, Math.max(b.length * 2, n + x.length));
            System.arraycopy(b, at, b, at + x.length, n - at);
            System.arraycopy(x, 0, b, at, x.length);
            n += x.length;
        }

        void truncate(int at) {
            n = Math.min(n, at);
        }

        void replace(byte[] all) {
            b = all;
            n = all.length;
        }

        /** The start of the line {@code at} is in. */
        int lineStart(int at) {
            int i = Math.min(at, n);
            while (i > 0 && b[i - 1] != '\n') i--;
            return i;
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(b, n);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- loading ------------------------------------------------------------------------------

    /** One way of loading a mutant. */
    private interface Load {
        String kind();

        String name();

        String describe();

        void prepare(Path dir) throws IOException;

        LoadResult run(UnitLoader loader);
    }

    /** The mutant as a unit file, as a drop-in of its original, as a template, and as transient text. */
    private static List<Load> loadsOf(Mutant m, long seed, int i) {
        String type = m.slice() ? "slice" : "service";
        Random r = new Random(seed * 31 + i);
        List<Load> loads = new ArrayList<>();
        switch (r.nextInt(10)) {
            case 0, 1 -> loads.add(new FileLoad("drop-in", "fz." + type, "fz." + type,
                    "[Unit]\nDescription=base\n" + (m.slice() ? "" : "[Service]\nExecStart=/bin/true\n"), m.bytes()));
            case 2 -> loads.add(m.slice() ? new FileLoad("file", "fz-a-b." + type, "fz-a-b." + type, null, m.bytes())
                    : new FileLoad("template", "fz@.service", "fz@in%2Fst\\x2d.service", null, m.bytes()));
            default -> loads.add(new FileLoad("file", "fz." + type, "fz." + type, null, m.bytes()));
        }
        String transientName = switch (r.nextInt(4)) {
            case 0 -> "fz.scope";
            case 1 -> m.slice() ? "fz.slice" : "run-u7.service";
            default -> "fz." + type;
        };
        if (r.nextInt(20) == 0) {
            // An odd name: the loader must refuse it with a LoadResult, not an exception.
            String name = oddName(r, m.slice() ? "fz-a-b.slice" : "fz@inst.service");
            loads.add(new FileLoad("odd name", m.slice() ? "fz-a-b.slice" : "fz@.service", name, null, m.bytes()));
            transientName = name;
        }
        loads.add(new TransientLoad(transientName, new String(m.bytes(), StandardCharsets.UTF_8)));
        return loads;
    }

    private static String oddName(Random r, String base) {
        StringBuilder b = new StringBuilder(base);
        int edits = 1 + r.nextInt(4);
        for (int k = 0; k < edits; k++) {
            int at = r.nextInt(b.length() + 1);
            switch (r.nextInt(6)) {
                case 0 -> b.insert(at, INSERTS.get(r.nextInt(INSERTS.size())));
                case 1 -> b.insert(at, (char) r.nextInt(0x3000));
                case 2 -> b.insert(at, "x".repeat(r.nextInt(300)));
                case 3 -> b.insert(at, List.of("/", "../", "@", ".", "\\x2f", "%i", "-", "--", ".service", "@.", "\0").get(r.nextInt(11)));
                case 4 -> {
                    if (at < b.length()) b.deleteCharAt(at);
                }
                default -> b.setCharAt(Math.min(at, b.length() - 1), (char) (32 + r.nextInt(95)));
            }
        }
        return b.toString();
    }

    private record FileLoad(String kind, String fileName, String name, String original, byte[] bytes) implements Load {
        @Override
        public String describe() {
            return kind + " " + fileName + (original != null ? " (drop-in " + fileName + ".d/50-fuzz.conf)" : "") + ", load(" + name + ")";
        }

        @Override
        public void prepare(Path dir) throws IOException {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) if (!p.equals(dir)) Files.delete(p);
            }
            if (original != null) {
                Files.writeString(dir.resolve(fileName), original);
                Path d = Files.createDirectories(dir.resolve(fileName + ".d"));
                Files.write(d.resolve("50-fuzz.conf"), bytes);
            } else {
                Files.write(dir.resolve(fileName), bytes);
            }
        }

        @Override
        public LoadResult run(UnitLoader loader) {
            return loader.load(name);
        }
    }

    private record TransientLoad(String name, String text) implements Load {
        @Override
        public String kind() {
            return "transient";
        }

        @Override
        public String describe() {
            return "loadTransient(" + name + ")";
        }

        @Override
        public void prepare(Path dir) {
            // nothing on disk; drop-ins from the (now empty or stale) directory may apply, which is fine
        }

        @Override
        public LoadResult run(UnitLoader loader) {
            return loader.loadTransient(name, text);
        }
    }

    /** What a well-formed outcome has; null if this one has it all. */
    private static String check(LoadResult r, String name) {
        if (r == null) return "null LoadResult";
        if (!name.equals(r.name())) return "LoadResult for '" + r.name() + "', asked for '" + name + "'";
        if (r.diagnostics() == null) return "null diagnostics";
        for (UnitFileDiagnostic d : r.diagnostics()) {
            if (d == null) return "a null diagnostic";
            if (d.toString().isEmpty()) return "an empty diagnostic";
        }
        return switch (r) {
            case LoadResult.Loaded l -> {
                String text = l.config().toString(); // every part of the config can be looked at
                yield text.isEmpty() ? "an empty config" : null;
            }
            case LoadResult.Failed f -> f.reason().isBlank() ? "a Failed without a reason" : null;
            case LoadResult.Masked m -> null;
            case LoadResult.NotFound nf -> null;
        };
    }

    // ---- reporting ----------------------------------------------------------------------------

    private static String signature(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return t.getClass().getName() + (st.length > 0 ? " at " + st[0] : "");
    }

    private static String report(long seed, int i, Mutant m, Load load, String what, String stack) throws IOException {
        Path out = Files.createDirectories(Path.of("target", "fuzz-failures"));
        Path file = out.resolve(seed + "-" + i + ".unit");
        Files.write(file, m.bytes());
        String text = escape(new String(m.bytes(), StandardCharsets.ISO_8859_1));
        return "UnitFileFuzzTest FAILURE: seed=" + seed + " mutant=" + i + " (rerun: -Dtollgate.fuzz.seed=" + seed
                + " -Dtollgate.fuzz.only=" + i + ")\n  " + what + "\n  load: " + load.describe() + "\n  from: " + m.origin()
                + "\n  mutations: " + m.ops() + "\n  mutant (" + m.bytes().length + " bytes, whole in " + file.toAbsolutePath() + "):\n  "
                + (text.length() > 1200 ? text.substring(0, 600) + " … " + text.substring(text.length() - 600) : text)
                + "\n" + stack.lines().limit(25).map(l -> "    " + l).reduce("", (a, c) -> a + c + "\n");
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Where the worker is stuck. */
    private static String stackOf(String thread) {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey().getName().equals(thread)) {
                StringBuilder b = new StringBuilder("stuck in:\n");
                for (StackTraceElement s : e.getValue()) b.append("at ").append(s).append('\n');
                return b.toString();
            }
        }
        return "(the worker's stack is not available)";
    }

    /** Printable: control and non-ASCII bytes as escapes. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (c == '\\') b.append("\\\\");
            else if (c < 0x20 || (c >= 0x7f && c <= 0xff)) b.append(String.format("\\x%02x", (int) c));
            else if (c > 0xff) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
