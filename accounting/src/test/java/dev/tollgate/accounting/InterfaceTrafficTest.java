package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RestrictNetworkInterfaces= on real traffic: two network namespaces of the test's own joined
 * by a veth pair; the unit's process enters the first with {@code ip netns exec} and sends UDP
 * only to the second's address and to its own loopback. Exact counts, every attach mode, and
 * a list swapped under a flood.
 */
@Privileged(commands = "ip")
class InterfaceTrafficTest {
    private static final int PORT = 7777;
    private ScratchCgroup scratch;
    private Path bpffs;
    private Accounting acc;
    private final String tag = "tgi" + UUID.randomUUID().toString().substring(0, 6);
    private final String nsA = tag + "a", nsB = tag + "b";
    private final List<Process> processes = new ArrayList<>();
    private int vethA;
    private String addressB;

    private void setUp(AttachMechanism mode) throws Exception {
        scratch = ScratchCgroup.create("ifaces");
        bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + tag);
        acc = new Accounting(bpffs, mode);
        // 10.213.N.0/30 inside the two namespaces only; N from the tag keeps parallel runs apart anyway.
        int n = Integer.parseInt(tag.substring(3, 5), 16);
        String a = "10.213." + n + ".1", b = "10.213." + n + ".2";
        addressB = b;
        ip("netns", "add", nsA);
        ip("netns", "add", nsB);
        ip("link", "add", tag + "x", "netns", nsA, "type", "veth", "peer", "name", tag + "y", "netns", nsB);
        ip("-n", nsA, "addr", "add", a + "/30", "dev", tag + "x");
        ip("-n", nsB, "addr", "add", b + "/30", "dev", tag + "y");
        for (String[] l : new String[][] {{nsA, tag + "x"}, {nsA, "lo"}, {nsB, tag + "y"}, {nsB, "lo"}}) {
            ip("-n", l[0], "link", "set", l[1], "up");
        }
        String link = ip("-n", nsA, "-o", "link", "show", tag + "x");
        vethA = Integer.parseInt(link.substring(0, link.indexOf(':')).strip());
        System.out.println("namespaces " + nsA + " " + nsB + ", veth ifindex in " + nsA + ": " + vethA);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
        }
        if (acc != null) acc.removeAll();
        if (scratch != null) scratch.close();
        if (bpffs != null) Pins.removeTree(bpffs);
        // Deleting a namespace deletes the veth end in it, and so the pair.
        for (String ns : List.of(nsA, nsB)) new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
    }

    private static String ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    private record Child(Process process, BufferedReader out, PrintWriter in) {
        String ask(String line) throws IOException {
            if (line != null) {
                in.println(line);
                in.flush();
            }
            String answer = out.readLine();
            if (answer == null) throw new IllegalStateException("child ended: " + new String(process.getErrorStream().readAllBytes()));
            return answer;
        }
    }

    private Child java(String ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                IfaceTraffic.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        processes.add(p);
        Child c = new Child(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                new PrintWriter(p.getOutputStream(), false, StandardCharsets.UTF_8));
        assertThat(c.ask(null)).isEqualTo("ready");
        return c;
    }

    private UnitPolicy policy(String unit, InterfaceRule... rules) {
        return new UnitPolicy(unit, scratch.child("net.slice/" + unit), true, List.of(), List.of(), null, List.of(), false,
                List.of(rules));
    }

    private static final Pattern RESULT = Pattern.compile("sent (\\d+) refused (\\d+) echoed (\\d+)(?: loop (\\d+) looprefused (\\d+))?");

    private static long[] result(String line) {
        Matcher m = RESULT.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        long[] r = new long[5];
        for (int i = 0; i < 5; i++) r[i] = m.group(i + 1) == null ? 0 : Long.parseLong(m.group(i + 1));
        return r;
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void onlyTheListedInterfacesCarryTheUnitsTraffic(AttachMechanism mode) throws Exception {
        setUp(mode);
        String unit = "ifaces.service";
        UnitDatapath d = acc.start(policy(unit, new InterfaceRule(true, List.of(1))));
        java(nsB, "echo", addressB, Integer.toString(PORT));
        Child client = ScratchCgroup.inside(d.cgroup(), () -> java(nsA, "client"));
        String toB = "send " + addressB + " " + PORT + " ";
        // Allow lo only: the veth refuses; the loopback (the client's own echo) carries.
        assertThat(result(client.ask(toB + 5))).containsExactly(0, 5, 0, 0, 0);
        CounterSums c = d.counters();
        assertThat(c.egressDroppedPackets()).isEqualTo(5);
        assertThat(c.egressPackets()).isZero();
        assertThat(c.ingressPackets()).isZero();
        // Allow the veth: 4 datagrams out through it and 4 echoes in.
        acc.update(policy(unit, new InterfaceRule(true, List.of(1, vethA))));
        assertThat(result(client.ask(toB + 4))).containsExactly(4, 0, 4, 0, 0);
        c = d.counters();
        assertThat(c.egressPackets()).isEqualTo(4);
        assertThat(c.ingressPackets()).isEqualTo(4);
        assertThat(c.egressDroppedPackets()).isEqualTo(5);
        assertThat(c.ingressDroppedPackets()).isZero();
        // Deny list: ~veth refuses 3 more; ~lo lets 2 through.
        acc.update(policy(unit, new InterfaceRule(false, List.of(vethA))));
        assertThat(result(client.ask(toB + 3))).containsExactly(0, 3, 0, 0, 0);
        acc.update(policy(unit, new InterfaceRule(false, List.of(1))));
        assertThat(result(client.ask(toB + 2))).containsExactly(2, 0, 2, 0, 0);
        // A slice's rule applies too: the unit allows the veth, its slice denies it.
        acc.update(policy(unit, new InterfaceRule(true, List.of(vethA)), new InterfaceRule(false, List.of(vethA))));
        assertThat(result(client.ask(toB + 1))).containsExactly(0, 1, 0, 0, 0);
        // An allow list that resolved to nothing drops everything.
        acc.update(policy(unit, new InterfaceRule(true, List.of())));
        assertThat(result(client.ask(toB + 2))).containsExactly(0, 2, 0, 0, 0);
        c = d.counters();
        assertThat(c).isEqualTo(new CounterSums(6, 6 * 60, 6, 6 * 60, 0, 0, 11, 11 * 60));
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void listSwapsUnderAFloodNeverLetARefusedDatagramThrough(AttachMechanism mode) throws Exception {
        setUp(mode);
        String unit = "ifaceflood.service";
        // Two lists that both refuse the veth and allow loopback, in different programs.
        UnitPolicy allowLo = policy(unit, new InterfaceRule(true, List.of(1)));
        UnitPolicy denyVeth = policy(unit, new InterfaceRule(false, List.of(vethA)));
        UnitDatapath d = acc.start(allowLo);
        Child echo = java(nsB, "echo", addressB, Integer.toString(PORT));
        Child client = ScratchCgroup.inside(d.cgroup(), () -> java(nsA, "client"));
        assertThat(client.ask("flood " + addressB + " " + PORT)).isEqualTo("flooding");
        int swaps = 0;
        for (; swaps < 1000; swaps++) acc.update(swaps % 2 == 0 ? denyVeth : allowLo);
        long[] r = result(client.ask("stop"));
        System.out.println("swaps " + swaps + ": " + java.util.Arrays.toString(r));
        assertThat(r[0]).as("datagrams that left through the veth").isZero();
        assertThat(r[1]).isGreaterThan(100);
        assertThat(r[4]).as("loopback datagrams refused").isZero();
        CounterSums c = d.counters();
        assertThat(c.egressDroppedPackets()).isEqualTo(r[1]);
        // Each loopback round trip is two datagrams out and two in, all the unit's.
        assertThat(c.egressPackets()).isEqualTo(2 * r[3]);
        assertThat(c.ingressPackets()).isEqualTo(2 * r[3]);
        assertThat(c.ingressDroppedPackets()).isZero();
        assertThat(echo.process().isAlive()).isTrue();
    }
}
