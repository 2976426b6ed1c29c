package dev.tollgate.units.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeSpanTest {

    private static long micros(String s) {
        return TimeSpan.parse(s).orElseThrow(() -> new AssertionError("did not parse: " + s)).micros();
    }

    /** systemd.syntax(7): "50" is 50 seconds; "2min 200ms" is 120200 ms. systemd.time(7) examples. */
    @Test
    void manPageExamples() {
        assertThat(micros("50")).isEqualTo(50_000_000L);
        assertThat(micros("2min 200ms")).isEqualTo(120_200_000L);
        assertThat(micros("2 h")).isEqualTo(7_200_000_000L);
        assertThat(micros("2hours")).isEqualTo(7_200_000_000L);
        assertThat(micros("48hr")).isEqualTo(172_800_000_000L);
        assertThat(micros("1y 12month")).isEqualTo(63_115_200_000_000L);
        assertThat(micros("55s500ms")).isEqualTo(55_500_000L);
        assertThat(micros("300ms20s 5day")).isEqualTo(432_020_300_000L);
        assertThat(TimeSpan.parse("infinity")).contains(TimeSpan.INFINITY);
    }

    /** Expected values produced by {@code systemd-analyze timespan} of systemd 252. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5s|5000000", "1min 30s|90000000", "500ms|500000", "2h|7200000000", "5 10|15000000", "+5s|5000000",
        "5M|13149000000000", "5m|300000000", " infinity |18446744073709551615", "0|0", "1.5|1500000",
        "1.5 .5|2000000", "9223372036854775807us|9223372036854775807", "5 s|5000000", "5s5|10000000",
        ".5|500000", "1\u00b5s|1", "1\u03bcs|1", "1 us 2|2000001", "010s|10000000", "5 min 3 sec|303000000",
        "1msec|1000", "1M1m1ms|2629860001000", "1hr|3600000000",
    })
    void agreesWithSystemdAnalyze(String text, String expected) {
        assertThat(Long.toUnsignedString(micros(text))).isEqualTo(expected);
    }

    /** Rejected by {@code systemd-analyze timespan} of systemd 252. */
    @ParameterizedTest
    @ValueSource(strings = {"bogus", "1.5.5", "3.sec", "-0", "-5s", "18446744073709551615us", "18446744073709551614us",
        "9223372036854775808us", "584542y", " ", "", "5.", "0x10s", "1e3s", "1W", "infinity 5", "5 infinity"})
    void rejectsWhatSystemdRejects(String text) {
        assertThat(TimeSpan.parse(text)).isEmpty();
    }

    @Test
    void fixZeroMakesZeroInfinite() {
        assertThat(TimeSpan.parseFixZero("0")).contains(TimeSpan.INFINITY);
        assertThat(TimeSpan.parseFixZero("0s 0ms")).contains(TimeSpan.INFINITY);
        assertThat(TimeSpan.parseFixZero("1")).contains(TimeSpan.ofSeconds(1));
    }

    @Test
    void formatsLikeSystemd() {
        assertThat(TimeSpan.ofSeconds(90)).hasToString("1min 30s");
        assertThat(TimeSpan.ofMillis(500)).hasToString("500ms");
        assertThat(TimeSpan.ofSeconds(7200)).hasToString("2h");
        assertThat(TimeSpan.ZERO).hasToString("0");
        assertThat(TimeSpan.INFINITY).hasToString("infinity");
        assertThat(TimeSpan.ofSeconds(90).toDuration()).contains(Duration.ofSeconds(90));
        assertThat(TimeSpan.INFINITY.toDuration()).isEmpty();
        assertThat(TimeSpan.INFINITY).isGreaterThan(TimeSpan.ofSeconds(Long.MAX_VALUE / 1_000_000));
    }

    /** Property: every value below infinity formats to text that parses back to it. */
    @Test
    void formatParseRoundTrip() {
        Random rnd = new Random(0x5EC5L);
        for (int i = 0; i < 20_000; i++) {
            long v = switch (i % 4) {
                case 0 -> rnd.nextLong(1_000_000_000L);
                case 1 -> rnd.nextLong() & Long.MAX_VALUE;
                case 2 -> rnd.nextLong(); // the unsigned range above Long.MAX_VALUE
                default -> rnd.nextInt(100_000) * 1_000_000L * (1 + rnd.nextInt(3600));
            };
            if (v == -1L) {
                continue;
            }
            TimeSpan t = new TimeSpan(v);
            assertThat(TimeSpan.parse(t.toString())).as("%s", t).contains(t);
        }
        assertThat(TimeSpan.parse(new TimeSpan(-2L).toString())).contains(new TimeSpan(-2L));
    }

    /**
     * Differential check against the machine's own {@code systemd-analyze}, when there is one:
     * random spellings must get the same value or be refused by both.
     */
    @Test
    void agreesWithThisMachinesSystemdAnalyze() throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(tool), "no systemd-analyze on this machine");
        Random rnd = new Random(42);
        String[] units = {"", "", "s", "ms", "us", "min", "m", "h", "hr", "d", "w", "M", "y", "sec", "msec", "usec", "minutes"};
        List<String> cases = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + rnd.nextInt(3);
            for (int p = 0; p < parts; p++) {
                if (p > 0 && rnd.nextBoolean()) {
                    sb.append(' ');
                }
                sb.append(rnd.nextInt(2000));
                if (rnd.nextInt(4) == 0) {
                    sb.append('.').append(rnd.nextInt(1000));
                }
                if (rnd.nextInt(5) == 0) {
                    sb.append(' ');
                }
                sb.append(units[rnd.nextInt(units.length)]);
            }
            cases.add(sb.toString());
        }
        for (String c : cases) {
            Optional<String> theirs = systemdAnalyze(tool, c);
            Assumptions.assumeTrue(theirs != null, "systemd-analyze did not run");
            Optional<String> ours = TimeSpan.parse(c).map(t -> Long.toUnsignedString(t.micros()));
            assertThat(ours).as("'%s'", c).isEqualTo(theirs);
        }
    }

    /** The µs value systemd-analyze prints, empty if it refused the text, null if it could not run. */
    private static Optional<String> systemdAnalyze(Path tool, String text) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(tool.toString(), "timespan", "--", text).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (l.startsWith("\u03bcs:")) {
                return Optional.of(l.substring(3).strip());
            }
        }
        return out.contains("Failed to parse") ? Optional.empty() : null;
    }
}
