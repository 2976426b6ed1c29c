package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cli.TollctlTest.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * systemctl's -t on both list verbs, from the one place that handles it (Verb): "help" lists
 * the verb's own types, an unknown type is refused in systemctl's words before any call.
 */
class TypeOptionTest {
    private static FakeManager daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = new FakeManager();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    private static Result run(String... args) {
        return TollctlTest.run(java.util.Map.of(Tollctl.SOCKET_ENV, daemon.socket.toString()), args);
    }

    @Test
    void helpListsEachVerbsOwnTypes() {
        assertThat(run("list-units", "-t", "help")).isEqualTo(new Result(0, "Available unit types:\nservice\nslice\nscope\n", ""));
        assertThat(run("list-unit-files", "--type=help")).isEqualTo(new Result(0, "Available unit types:\nservice\nslice\n", ""));
    }

    @Test
    void anUnknownTypeIsRefusedAsSystemctlRefusesIt() {
        String why = "Unknown unit type or load state 'socket'.\nUse -t help to see a list of allowed values.\n";
        assertThat(run("list-units", "-t", "service,socket")).isEqualTo(new Result(1, "", why));
        // scope units are listed by list-units, but have no unit files.
        assertThat(run("list-unit-files", "-t", "socket")).isEqualTo(new Result(1, "", why));
        assertThat(run("list-unit-files", "-t", "scope").err()).startsWith("Unknown unit type or load state 'scope'.");
    }
}
