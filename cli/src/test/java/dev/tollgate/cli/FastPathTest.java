package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The parser without picocli must fill exactly what picocli fills, or leave the line to picocli. */
class FastPathTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "show -p IPIngressBytes web.service",
            "show -p IPIngressBytes,IPEgressBytes --value web a b",
            "show --property IPIngressBytes --property=MainPID web",
            "show -pMainPID -P ActiveState -PSubState web",
            "--socket /tmp/x show -a web",
            "--socket=/tmp/x --json show web",
            "show web --no-pager -q --no-legend",
            "show",
            "show -- -weird-name",
            "status",
            "status web.service other --socket /s",
            "is-active web",
            "--json is-failed a b c",
            "is-active -q web",
            "is-system-running",
            "is-system-running --wait",
            "--socket /s is-system-running -q --wait",
            "--json is-system-running",
    })
    void agreesWithPicocli(String line) {
        String[] args = line.split(" ");
        Tollctl fastRoot = new Tollctl();
        Verb fast = FastPath.parse(args, fastRoot);
        assertThat(fast).as("the fast path takes '%s'", line).isNotNull();

        Tollctl root = new Tollctl();
        CommandLine cl = Tollctl.commandLine(root, Tollctl.VERBS);
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        Object picked = parsed.subcommand().commandSpec().userObject();

        assertThat(fast.getClass()).isEqualTo(picked.getClass());
        assertThat(fields(fast, fastRoot)).isEqualTo(fields(picked, root));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "show --help", "show -h", "--version", "show -p", "show -p -x web", "show --value=true web", "status -x",
            "is-active", "list-units", "start web", "show -p=MainPID web", "show -p a,,b web", "-- show web", "show --socket",
            "is-system-running extra", "is-system-running --wait=true", "is-system-running --help",
    })
    void leavesTheRestToPicocli(String line) {
        assertThat(FastPath.parse(line.split(" "), new Tollctl())).isNull();
    }

    private static List<Object> fields(Object cmd, Tollctl root) {
        List<Object> f = new ArrayList<>(List.of(String.valueOf(root.socketOption), root.json, root.noPager, root.noLegend,
                root.quiet));
        switch (cmd) {
            case ShowCommand s -> {
                f.add(String.valueOf(s.properties));
                f.add(String.valueOf(s.valueProperties));
                f.add(s.value);
                f.add(s.all);
                f.add(String.valueOf(s.units));
            }
            case StatusCommand s -> f.add(String.valueOf(s.units));
            case IsStateCommand s -> f.add(String.valueOf(s.units));
            case IsSystemRunningCommand s -> f.add(s.waitForBoot);
            default -> throw new AssertionError(cmd);
        }
        return f;
    }
}
