package dev.tollgate.system.cli;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.system.cli.Tollctl.Result;
import dev.tollgate.testkit.Privileged;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * RestrictNetworkInterfaces= end to end (issue 17, point 2): the real tollgated resolves names
 * in its network namespace; the unit's command enters a namespace of the test's own with
 * {@code ip netns exec} and sends to a second one over a veth pair (only to that address) and
 * to its own loopback. The verdicts are systemd 257's for the same settings (lo, ~lo, an
 * unknown name alone), compared on 257 booted by ../shared/systemd-oracle/setup-257.sh.
 */
@Privileged(commands = {"python3", "ip"})
class RestrictNetworkInterfacesSystemTest {
    private static String ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void namesResolvedAtStartSwappedOnReloadShownAndCounted() throws Exception {
        String tag = "tgs" + UUID.randomUUID().toString().substring(0, 6);
        String nsA = tag + "a", nsB = tag + "b";
        int n = Integer.parseInt(tag.substring(3, 5), 16);
        String addressB = "10.214." + n + ".2";
        Path fifo = Files.createTempDirectory("tgifaces").resolve("go");
        try (TollgatedProcess daemon = new TollgatedProcess()) {
            ip("netns", "add", nsA);
            ip("netns", "add", nsB);
            ip("link", "add", tag + "x", "netns", nsA, "type", "veth", "peer", "name", tag + "y", "netns", nsB);
            ip("-n", nsA, "addr", "add", "10.214." + n + ".1/30", "dev", tag + "x");
            ip("-n", nsB, "addr", "add", addressB + "/30", "dev", tag + "y");
            for (String[] l : new String[][] {{nsA, tag + "x"}, {nsA, "lo"}, {nsB, tag + "y"}, {nsB, "lo"}}) {
                ip("-n", l[0], "link", "set", l[1], "up");
            }
            new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor();
            // Per line read from the FIFO: one datagram to the other namespace (by the veth), one to its loopback.
            String sender = "/usr/bin/ip netns exec " + nsA + " " + python("""
                    import socket
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    while True:
                        for line in open('%s'):
                            for to in [('%s',7777),('127.0.0.1',9)]:
                                try: s.sendto(b'x'*32,to)
                                except PermissionError: pass
                    """.formatted(fifo, addressB));
            String unit = "[Service]\nIPAccounting=yes\nRestrictNetworkInterfaces=%s\nExecStart=" + sender + "\n";
            daemon.unit("ifaces.service", unit.formatted("lo"), false);
            daemon.start();
            Tollctl tollctl = new Tollctl(daemon.socket);
            assertThat(tollctl.run("start", "ifaces").code()).isZero();
            Files.writeString(fifo, "go\ngo\ngo\n");
            // lo only: three out by loopback, three refused at the veth.
            TollgatedProcess.await("3 sent, 3 dropped", Duration.ofSeconds(60), () -> daemon.pinnedCounters("ifaces.service", false)
                    .map(c -> c.egressPackets() == 3 && c.egressDroppedPackets() == 3).orElse(false));
            assertThat(tollctl.run("show", "-p", "RestrictNetworkInterfaces", "ifaces").out()).isEqualTo("RestrictNetworkInterfaces=lo\n");
            assertThat(tollctl.run("status", "ifaces").out()).contains("Interfaces: lo\n");
            // Reload to ~lo: the other way round, in the running unit.
            daemon.unit("ifaces.service", unit.formatted("~lo"), false);
            Result reload = tollctl.run("daemon-reload");
            assertThat(reload.code()).as("%s", reload).isZero();
            Files.writeString(fifo, "go\ngo\n");
            TollgatedProcess.await("5 sent, 5 dropped", Duration.ofSeconds(60), () -> daemon.pinnedCounters("ifaces.service", false)
                    .map(c -> c.egressPackets() == 5 && c.egressDroppedPackets() == 5).orElse(false));
            CounterSums c = daemon.pinnedCounters("ifaces.service", false).orElseThrow();
            assertThat(c.egressBytes()).isEqualTo(5 * 60);
            assertThat(c.egressDroppedBytes()).isEqualTo(5 * 60);
            assertThat(tollctl.run("show", "-p", "RestrictNetworkInterfaces", "ifaces").out()).isEqualTo("RestrictNetworkInterfaces=~lo\n");
            assertThat(tollctl.run("status", "ifaces").out()).contains("Interfaces: all but lo\n", "Dropped: 0 packets in (0B), 5 packets out");
            assertThat(tollctl.run("stop", "ifaces").code()).isZero();
            // An allow list of a name that is no interface here: warned about, and nothing passes (as systemd 257).
            String missing = tag + "nosuch";
            Result run = tollctl.run("run", "--wait", "-p", "RestrictNetworkInterfaces=" + missing, "--", "/usr/bin/ip", "netns", "exec", nsA,
                    "/usr/bin/python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nr=0\n"
                            + "for i in range(4):\n  try: s.sendto(b'x',('127.0.0.1',9))\n  except PermissionError: r+=1\nsys.exit(r)");
            assertThat(run.code()).as("%s", run).isEqualTo(4);
            assertThat(daemon.logText()).contains("restrict-interfaces: Couldn't find index of network interface '" + missing
                    + "', ignoring: No such device");
        } finally {
            for (String ns : List.of(nsA, nsB)) new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(fifo.getParent());
        }
    }

    /**
     * systemd 257's verdicts, case by case (its unit files booted by setup-257.sh, the same
     * sends: three datagrams by the veth to the other namespace, three to the sender's own
     * loopback): the exit status is 10 times the refused veth sends plus the refused loopback
     * ones. The names that are no interface here stand for 257's unknown ones; lo is index 1 in
     * every namespace, so the cases hold whichever namespace the sender is in.
     */
    @Test
    void verdictsAsSystemd257() throws Exception {
        String tag = "tgv" + UUID.randomUUID().toString().substring(0, 6);
        String nsA = tag + "a", nsB = tag + "b";
        int n = Integer.parseInt(tag.substring(3, 5), 16);
        String addressB = "10.215." + n + ".2";
        String x = tag + "nosuch";
        // settings (| between assignments) -> 257's exit status
        String[][] cases = {
                {"", "0"},
                {"lo", "30"},
                {"~lo", "3"},
                {x, "33"},
                {"~" + x, "0"},
                {x + " lo", "30"},
                {"lo " + x + "|~" + x, "30"},
                {"lo|~lo", "33"},
                {"~lo|lo", "0"},
                {"~", "0"},
                {"a:b", "0"},
                {"~lo||lo", "30"},
        };
        try (TollgatedProcess daemon = new TollgatedProcess()) {
            ip("netns", "add", nsA);
            ip("netns", "add", nsB);
            ip("link", "add", tag + "x", "netns", nsA, "type", "veth", "peer", "name", tag + "y", "netns", nsB);
            ip("-n", nsA, "addr", "add", "10.215." + n + ".1/30", "dev", tag + "x");
            ip("-n", nsB, "addr", "add", addressB + "/30", "dev", tag + "y");
            for (String[] l : new String[][] {{nsA, tag + "x"}, {nsA, "lo"}, {nsB, tag + "y"}, {nsB, "lo"}}) {
                ip("-n", l[0], "link", "set", l[1], "up");
            }
            daemon.start();
            Tollctl tollctl = new Tollctl(daemon.socket);
            String script = "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nr=0\n"
                    + "for to,w in [(('" + addressB + "',7777),10),(('127.0.0.1',9),1)]:\n"
                    + "  for i in range(3):\n"
                    + "    try: s.sendto(b'x',to)\n"
                    + "    except PermissionError: r+=w\n"
                    + "sys.exit(r)";
            List<String> mismatches = new ArrayList<>();
            for (String[] c : cases) {
                List<String> args = new ArrayList<>(List.of("run", "--wait"));
                // A trailing empty assignment counts too: split keeps it with limit -1.
                if (!c[0].isEmpty()) for (String a : c[0].split("\\|", -1)) args.addAll(List.of("-p", "RestrictNetworkInterfaces=" + a));
                args.addAll(List.of("--", "/usr/bin/ip", "netns", "exec", nsA, "/usr/bin/python3", "-c", script));
                Result r = tollctl.run(args.toArray(String[]::new));
                System.out.printf("%-40s 257: %-3s tollgate: %d%n", c[0].replace(x, "NOSUCH"), c[1], r.code());
                if (r.code() != Integer.parseInt(c[1])) mismatches.add(c[0] + " -> " + r);
            }
            assertThat(mismatches).isEmpty();
        } finally {
            for (String ns : List.of(nsA, nsB)) new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
        }
    }
}
