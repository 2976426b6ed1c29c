package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The daemon's own reading of a settings-only command line gives what picocli gives, and leaves the rest to picocli. */
class TollgatedCommandLineTest {

    private static Map<String, Object> fields(Tollgated t) throws IllegalAccessException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : Tollgated.class.getDeclaredFields()) {
            if (f.getAnnotation(CommandLine.Option.class) == null) continue;
            m.put(f.getName(), f.get(t));
        }
        return m;
    }

    @Test
    void settingsAreReadAsPicocliReadsThem() throws Exception {
        List<String[]> lines = List.of(
                new String[] {},
                new String[] {"--units-path", "/a:/b", "--socket", "/run/x/sock"},
                new String[] {"--config=/dev/null", "--cgroup-root=/t.slice", "--bpffs-dir", "/sys/fs/bpf/t", "--log-level", "debug"},
                new String[] {"--state-dir", "/run/t", "--attach-mode=single", "--metrics-listen", "127.0.0.1:9", "--on-exit", "keep",
                        "--admin-group", "wheel", "--firewall-unavailable", "run"},
                new String[] {"--units-path=", "--socket", "/s", "--programs", "per-unit"});
        for (String[] args : lines) {
            Tollgated ours = new Tollgated();
            assertThat(ours.parseSettings(args)).as(String.join(" ", args)).isTrue();
            Tollgated picocli = new Tollgated();
            new CommandLine(picocli).parseArgs(args);
            assertThat(fields(ours)).as(String.join(" ", args)).isEqualTo(fields(picocli));
        }
        // The test would pass with every field null on both sides: check one that is not.
        Tollgated t = new Tollgated();
        t.parseSettings(new String[] {"--socket", "/s"});
        assertThat(fields(t)).containsEntry("socket", "/s").containsEntry("configFile", java.nio.file.Path.of("/etc/tollgate/tollgated.conf"));
    }

    @Test
    void everyOptionIsASettingTheDaemonReadsItself() {
        // A new option the fast path does not know would send every command line with it to picocli.
        java.util.Set<String> options = new java.util.HashSet<>();
        for (Field f : Tollgated.class.getDeclaredFields()) {
            CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
            if (o != null) options.addAll(List.of(o.names()));
        }
        assertThat(Tollgated.SETTINGS).containsExactlyInAnyOrderElementsOf(options);
        // And each is set from its own name (the field picocli sets for it).
        for (String name : options) {
            Tollgated ours = new Tollgated();
            Tollgated picocli = new Tollgated();
            String[] args = {name, name.equals("--config") ? "/x" : "x"};
            assertThat(ours.parseSettings(args)).as(name).isTrue();
            new CommandLine(picocli).parseArgs(args);
            try {
                assertThat(fields(ours)).as(name).isEqualTo(fields(picocli));
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        for (String[] args : List.of(
                new String[] {"--help"}, new String[] {"-h"}, new String[] {"--version"}, new String[] {"-V"},
                new String[] {"--bogus", "x"}, new String[] {"--socket"}, new String[] {"--socket", "--units-path", "/u"},
                new String[] {"--socket", "/a", "--socket", "/b"}, new String[] {"stray"}, new String[] {"-socket", "/a"})) {
            assertThat(new Tollgated().parseSettings(args)).as(String.join(" ", args)).isFalse();
        }
    }
}
