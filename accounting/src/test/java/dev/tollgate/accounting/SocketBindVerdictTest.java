package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import dev.tollgate.units.net.SocketBindRule;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SocketBindAllow=/SocketBindDeny= give systemd's verdicts: each case below is a set of
 * settings and what systemd 257 (Debian trixie's, built with BPF_FRAMEWORK) answered to the
 * same bind(2) attempts from a process of a unit with those settings
 * ({@code systemd-run --wait --pipe -p ... bindtest.py}, in ../shared/systemd-oracle/'s
 * trixie instance). Here the attempts come from this JVM moved into the unit's cgroup, with
 * the programs attached by {@link Accounting} in every attach mode. A bind that the program
 * lets through may still fail (the port is taken on this host); only EPERM is a refusal.
 */
@Privileged
class SocketBindVerdictTest {
    /** The attempts, family:protocol:port, in the order of the verdicts below. */
    private static final List<String> ATTEMPTS = List.of("4:tcp:8080", "4:udp:8080", "6:tcp:8080", "6:udp:8080",
            "4:tcp:0", "6:udp:0", "4:tcp:9000", "6:udp:9001", "4:udp:9002", "6:tcp:65535");

    record Case(List<String> allow, List<String> deny, String verdicts) {
        @Override
        public String toString() {
            return "allow=" + allow + " deny=" + deny;
        }
    }

    /** systemd 257's verdicts: one letter per attempt, o = bound (or not refused), P = EPERM. */
    static Stream<Case> cases() {
        return Stream.of(
                new Case(List.of("tcp:8080"), List.of(), "oooooooooo"),
                new Case(List.of("tcp:8080", "udp:9002"), List.of(), "oooooooooo"),
                new Case(List.of("any"), List.of(), "oooooooooo"),
                new Case(List.of(), List.of("any"), "PPPPPPPPPP"),
                new Case(List.of(), List.of("tcp:8080"), "PoPooooooo"),
                new Case(List.of("tcp:8080"), List.of("any"), "oPoPPPPPPP"),
                new Case(List.of("any"), List.of("any"), "oooooooooo"),
                new Case(List.of("any"), List.of("tcp:8080"), "oooooooooo"),
                new Case(List.of(), List.of("ipv4"), "PPooPoPoPo"),
                new Case(List.of(), List.of("ipv6"), "ooPPoPoPoP"),
                new Case(List.of(), List.of("udp"), "oPoPoPoPPo"),
                new Case(List.of(), List.of("ipv6:tcp:65535"), "oooooooooP"),
                new Case(List.of(), List.of("8000-9001"), "PPPPooPPoo"),
                new Case(List.of(), List.of("1-65535"), "PPPPooPPPP"),
                new Case(List.of("ipv6"), List.of("9000-9002"), "ooooooPoPo"),
                new Case(List.of("9001"), List.of("ipv4:9000-9002"), "ooooooPoPo"),
                new Case(List.of("ipv6:udp:9001"), List.of("ipv6:udp"), "oooPoPoooo"),
                new Case(List.of("ipv4:tcp", "ipv6:udp:9000-9001"), List.of("any"), "oPPPoPooPP"),
                new Case(List.of(), List.of("tcp", "any"), "PPPPPPPPPP"),
                new Case(List.of("8080"), List.of("tcp:8000-8100", "ipv6:udp"), "oooooPoPoo"),
                new Case(List.of("ipv4", "ipv6"), List.of("any"), "oooooooooo"),
                new Case(List.of("any", "tcp:8080"), List.of("udp"), "oooooooooo"),
                new Case(List.of("udp:8080"), List.of("udp:8080"), "oooooooooo"));
    }

    @ParameterizedTest
    @MethodSource("modesAndCases")
    void systemdsVerdicts(AttachMechanism mode, Case c) throws Exception {
        Path bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
        try (ScratchCgroup scratch = ScratchCgroup.create("bind");
             Accounting acc = new Accounting(bpffs, mode)) {
            try {
                Path cg = scratch.child("bind.service");
                SocketBindRules rules = SocketBindRules.of(parse(c.allow()), parse(c.deny()));
                acc.start(new UnitPolicy("bind.service", cg, false, List.of(), List.of(), rules, List.of(), false));
                StringBuilder got = new StringBuilder();
                for (String attempt : ATTEMPTS) got.append(ScratchCgroup.inside(cg, () -> refused(attempt)) ? 'P' : 'o');
                assertThat(got.toString()).as("verdicts for %s (o: allowed, P: EPERM)", ATTEMPTS).isEqualTo(c.verdicts());
                // Outside the unit nothing is refused.
                assertThat(refused("4:tcp:0")).isFalse();
            } finally {
                acc.removeAll();
                Pins.removeTree(bpffs);
            }
        }
    }

    static Stream<Arguments> modesAndCases() {
        List<Arguments> out = new ArrayList<>();
        for (AttachMechanism m : AttachMechanism.values()) cases().forEach(c -> out.add(Arguments.of(m, c)));
        return out.stream();
    }

    private static List<SocketBindRule> parse(List<String> texts) {
        return texts.stream().map(t -> SocketBindRule.parse(t).orElseThrow(() -> new IllegalArgumentException(t))).toList();
    }

    /** Whether bind(2) of family:protocol:port on the loopback address fails with EPERM. */
    private static boolean refused(String attempt) throws IOException {
        String[] p = attempt.split(":");
        boolean v4 = p[0].equals("4");
        ProtocolFamily family = v4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        InetSocketAddress at = new InetSocketAddress(v4 ? "127.0.0.1" : "::1", Integer.parseInt(p[2]));
        try (NetworkChannel ch = p[1].equals("tcp") ? ServerSocketChannel.open(family) : DatagramChannel.open(family)) {
            ch.bind(at);
            return false;
        } catch (SocketException e) {
            // EPERM reads "Operation not permitted"; "Address already in use" means the program let it through.
            return e.getMessage() != null && e.getMessage().contains("not permitted");
        }
    }
}
