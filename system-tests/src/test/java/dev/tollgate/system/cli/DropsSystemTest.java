package dev.tollgate.system.cli;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.system.cli.Tollctl.Result;
import dev.tollgate.testkit.Privileged;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Drop events end to end (issue 17, point 1): a unit of the real tollgated sends to denied
 * addresses; its program reports the drops into the pinned ring, the daemon reads them, and
 * {@code tollctl drops} prints them (text and JSON) with the counts, which the metrics agree
 * with; a daemon-reload keeps both.
 */
@Privileged(commands = "python3")
class DropsSystemTest {
    private static final Pattern LINE = Pattern.compile(
            "[A-Z][a-z]{2} \\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} dropper\\.service: dropped egress UDP "
                    + "(127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.2:9 len 38|\\[::1\\]:\\d+ -> \\[::1\\]:9 len 58)");

    @Test
    void deniedSendsAreShownByTollctlDropsAndCounted() throws Exception {
        try (TollgatedProcess daemon = new TollgatedProcess()) {
            String sender = python("""
                    import socket, time
                    for fam, to, n in [(socket.AF_INET, ('127.0.0.2', 9), 3), (socket.AF_INET6, ('::1', 9), 2)]:
                        s = socket.socket(fam, socket.SOCK_DGRAM)
                        for i in range(n):
                            try: s.sendto(b'x' * 10, to)
                            except PermissionError: pass
                    time.sleep(3600)
                    """);
            daemon.unit("dropper.service", "[Service]\nIPAddressDeny=127.0.0.2 ::1\nIPDropEventRate=1000/s\nExecStart="
                    + sender + "\n", false);
            daemon.start();
            Tollctl tollctl = new Tollctl(daemon.socket);
            assertThat(tollctl.run("start", "dropper").code()).isZero();
            Result[] r = new Result[1];
            TollgatedProcess.await("5 drops shown", Duration.ofSeconds(60), () -> {
                try {
                    r[0] = tollctl.run("drops", "dropper");
                    return r[0].out().lines().filter(l -> l.contains(": dropped ")).count() == 5;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<String> lines = r[0].out().lines().toList();
            System.out.println(r[0].out());
            assertThat(lines).hasSize(5).allMatch(l -> LINE.matcher(l).matches(), "journalctl-like drop lines");
            assertThat(lines.subList(0, 3)).allMatch(l -> l.contains("127.0.0.2:9"));
            assertThat(lines.subList(3, 5)).allMatch(l -> l.contains("[::1]:9"));

            Result json = tollctl.run("drops", "--json", "dropper.service");
            assertThat(json.code()).as("%s", json).isZero();
            JsonNode events = json.json().get("events");
            assertThat(events).hasSize(5);
            JsonNode first = events.get(0);
            assertThat(first.get("unit").asText()).isEqualTo("dropper.service");
            assertThat(first.get("direction").asText()).isEqualTo("egress");
            assertThat(first.get("family").asInt()).isEqualTo(4);
            assertThat(first.get("protocol").asInt()).isEqualTo(17);
            assertThat(first.get("remoteAddress").asText()).isEqualTo("127.0.0.2");
            assertThat(first.get("remotePort").asInt()).isEqualTo(9);
            assertThat(first.get("localAddress").asText()).isEqualTo("127.0.0.1");
            assertThat(first.get("length").asInt()).isEqualTo(38);
            assertThat(events.get(4).get("remoteAddress").asText()).isEqualTo("::1");
            assertThat(json.json().get("counts").get(0).get("events").asLong()).isEqualTo(5);
            assertThat(json.json().get("counts").get(0).get("suppressed").asLong()).isZero();

            String metrics = tollctl.run("metrics").out();
            assertThat(metrics).contains("tollgate_drop_events_total{unit=\"dropper.service\"} 5.0",
                    "tollgate_drop_events_suppressed_total{unit=\"dropper.service\"} 0.0");

            // Another unit's drops, or none: the filter holds; --since in the future shows nothing.
            assertThat(tollctl.run("drops", "--since", "@9999999999").out()).isEqualTo("-- No drops --\n");
            assertThat(tollctl.run("drops", "--since", "yesterday", "dropper").out().lines().count()).isEqualTo(5);
            assertThat(tollctl.run("drops", "--since", "nonsense").code()).isEqualTo(2);

            // A reload keeps the events and the counts.
            assertThat(tollctl.run("daemon-reload").code()).isZero();
            assertThat(tollctl.run("drops", "dropper").out().lines().filter(l -> l.contains(": dropped ")).count()).isEqualTo(5);
            assertThat(tollctl.run("metrics").out()).contains("tollgate_drop_events_total{unit=\"dropper.service\"} 5.0");
        }
    }

    /**
     * {@code tollctl drops -f} streams a drop as it happens; drops while the daemon is killed
     * with -9 stay in the pinned ring and are read by the next daemon, and the counts carry on;
     * in each attach mode.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"link", "multi", "single"})
    void followStreamsAndDropsDuringAKillNineAreReadAfterTheRestart(String mode) throws Exception {
        java.nio.file.Path fifo = java.nio.file.Files.createTempDirectory("tgdrops").resolve("go");
        Process follow = null;
        try (TollgatedProcess daemon = new TollgatedProcess()) {
            new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor();
            // Per line N read from the FIFO: one datagram to the denied 127.0.0.2, port N.
            String sender = python("""
                    import socket
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    while True:
                        for line in open('%s'):
                            try: s.sendto(b'x' * 10, ('127.0.0.2', int(line)))
                            except PermissionError: pass
                    """.formatted(fifo));
            daemon.unit("dropper.service", "[Service]\nIPAddressDeny=127.0.0.2\nExecStart=" + sender + "\n", false);
            daemon.args("--attach-mode", mode).start();
            Tollctl tollctl = new Tollctl(daemon.socket);
            assertThat(tollctl.run("start", "dropper").code()).isZero();
            java.nio.file.Files.writeString(fifo, "1001\n");
            awaitDrops(tollctl, List.of(1001));

            // -f: the kept one, then a new one as it comes.
            follow = tollctl.spawn("drops", "-f", "dropper");
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertThat(out.readLine()).matches(".* dropper\\.service: dropped egress UDP 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.2:1001 len 38");
            java.nio.file.Files.writeString(fifo, "1002\n");
            assertThat(out.readLine()).matches(".* dropper\\.service: dropped egress UDP 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.2:1002 len 38");
            follow.destroy();

            // kill -9: the unit keeps running and dropping; its program keeps reporting into the pinned ring.
            daemon.kill9();
            java.nio.file.Files.writeString(fifo, "1003\n1004\n");
            TollgatedProcess.await("the drops during the outage counted", Duration.ofSeconds(60), () -> daemon.pinnedCounters(
                    "dropper.service", false).map(c -> c.egressDroppedPackets() == 4).orElse(false));
            daemon.start();
            awaitDrops(tollctl, List.of(1003, 1004));
            String metrics = tollctl.run("metrics").out();
            assertThat(metrics).contains("tollgate_drop_events_total{unit=\"dropper.service\"} 4.0",
                    "tollgate_drop_events_suppressed_total{unit=\"dropper.service\"} 0.0");
        } finally {
            if (follow != null) follow.destroyForcibly().waitFor();
            java.nio.file.Files.deleteIfExists(fifo);
            java.nio.file.Files.deleteIfExists(fifo.getParent());
        }
    }

    /** Waits until {@code tollctl drops dropper} shows exactly drops to these ports, in this order. */
    private static void awaitDrops(Tollctl tollctl, List<Integer> ports) throws InterruptedException {
        Result[] r = new Result[1];
        TollgatedProcess.await("drops to " + ports, Duration.ofSeconds(60), () -> {
            try {
                r[0] = tollctl.run("drops", "dropper");
                return r[0].out().lines().filter(l -> l.contains(": dropped ")).count() >= ports.size();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> lines = r[0].out().lines().filter(l -> l.contains(": dropped ")).toList();
        assertThat(lines).as("%s", r[0]).hasSize(ports.size());
        for (int i = 0; i < ports.size(); i++) assertThat(lines.get(i)).endsWith("-> 127.0.0.2:" + ports.get(i) + " len 38");
    }
}
