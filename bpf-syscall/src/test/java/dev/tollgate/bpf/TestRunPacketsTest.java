package dev.tollgate.bpf;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;
import static dev.tollgate.bpf.asm.Register.R6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Helper;
import dev.tollgate.testkit.Packets;
import dev.tollgate.testkit.Privileged;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BPF_PROG_TEST_RUN of an assembled cgroup_skb program that reads the IP header, as the
 * firewall will: it drops packets to 127.0.0.2 and ::2 and passes everything else.
 */
@Privileged
class TestRunPacketsTest {
    private static final byte[] LO = {127, 0, 0, 1};
    private static final byte[] LO2 = {127, 0, 0, 2};
    private static final byte[] V6_1 = v6(1);
    private static final byte[] V6_2 = v6(2);

    @BeforeAll
    static void littleEndian() {
        // The immediates below are the addresses as a little-endian load sees them.
        assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] v6(int last) {
        byte[] a = new byte[16];
        a[15] = (byte) last;
        return a;
    }

    private static BpfProgram dropTo2() {
        return BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_t_drop2", null, new Assembler()
                .mov(R6, R1)
                .ldxw(R2, R6, 16) // skb->protocol, network order in the low 16 bits
                .jeq(R2, 0x0008, "v4")
                .jeq(R2, 0xdd86, "v6")
                .ja("pass")
                .label("v4")
                .mov(R1, R6).mov(R2, 16).mov(R3, R10).add(R3, -4).mov(R4, 4)
                .call(Helper.SKB_LOAD_BYTES)
                .jne(R0, 0, "pass")
                .ldxw(R1, R10, -4)
                .jeq(R1, 0x0200007f, "drop")
                .ja("pass")
                .label("v6")
                .mov(R1, R6).mov(R2, 24).mov(R3, R10).add(R3, -16).mov(R4, 16)
                .call(Helper.SKB_LOAD_BYTES)
                .jne(R0, 0, "pass")
                .ldxdw(R1, R10, -16)
                .jne(R1, 0, "pass")
                .ldxdw(R1, R10, -8)
                .lddw(R2, 0x0200000000000000L)
                .jeq(R1, R2, "drop")
                .label("pass")
                .mov(R0, 1)
                .exit()
                .label("drop")
                .mov(R0, 0)
                .exit()
                .assemble(), Map.of()));
    }

    private static int verdict(BpfProgram p, byte[] frame) {
        return p.testRun(TestRun.of(frame)).returnValue();
    }

    @Test
    void verdictsOnCraftedIpv4Ipv6AndNonIpPackets() {
        try (BpfProgram p = dropTo2()) {
            assertThat(verdict(p, Packets.ipv4Udp(LO, LO, 10))).isEqualTo(1);
            assertThat(verdict(p, Packets.ipv4Udp(LO, LO2, 10))).isZero();
            assertThat(verdict(p, Packets.ipv4Udp(LO2, LO, 10))).isEqualTo(1);
            assertThat(verdict(p, Packets.ipv6Udp(V6_1, V6_1, 10))).isEqualTo(1);
            assertThat(verdict(p, Packets.ipv6Udp(V6_1, V6_2, 10))).isZero();
            assertThat(verdict(p, Packets.ipv6Udp(V6_2, V6_1, 10))).isEqualTo(1);
            assertThat(verdict(p, Packets.arp())).isEqualTo(1);
        }
    }

    @Test
    void countsSkbLenOfIpv6Packets() {
        try (BpfMap counters = TestPrograms.counters("tg_t_cnt", 1);
             BpfProgram p = TestPrograms.counting("tg_t_count", counters, 0)) {
            assertThat(verdict(p, Packets.ipv6Udp(V6_1, V6_2, 100))).isEqualTo(1);
            assertThat(TestPrograms.read(counters, 0)).containsExactly(1, 148);
        }
    }
}
