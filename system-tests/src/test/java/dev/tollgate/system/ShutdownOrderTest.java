package dev.tollgate.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** At shutdown units stop in the reverse of their start order, as systemd stops them (issue 13). */
@SuppressWarnings("try")
@Privileged
class ShutdownOrderTest {
    private TollgatedProcess daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    @Test
    void aUnitOrderedAfterAnotherStopsBeforeIt() throws Exception {
        Path log = daemon.work.resolve("order");
        // db starts first and stops last; proxy (After=app) and app (After=db) stop before it.
        // Each stop takes a while, so stops run all at once would not finish in this order.
        daemon.unit("db.service", unit(log, "db", ""), true);
        daemon.unit("app.service", unit(log, "app", "After=db.service\n"), true);
        daemon.unit("proxy.service", unit(log, "proxy", "After=app.service\n"), true);
        daemon.start();
        TollgatedProcess.await("three starts", Duration.ofSeconds(60), () -> lines(log).size() >= 3);
        assertThat(lines(log)).containsExactly("start db", "start app", "start proxy");

        assertThat(daemon.stop()).isZero();
        assertThat(lines(log)).containsExactly("start db", "start app", "start proxy", "stop proxy", "stop app", "stop db");
    }

    private static String unit(Path log, String name, String unitSection) {
        return (unitSection.isEmpty() ? "" : "[Unit]\n" + unitSection) + """
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/bin/sh -c 'echo start %2$s >> %1$s'
                ExecStop=/bin/sh -c 'sleep 0.3; echo stop %2$s >> %1$s'
                """.formatted(log, name);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
