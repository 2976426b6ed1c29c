package dev.tollgate.bpf;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Disassembler;
import dev.tollgate.libc.Errno;
import dev.tollgate.testkit.Packets;
import dev.tollgate.testkit.Privileged;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@Privileged
class BpfProgramTest {

    @Test
    void loadsAndReportsInfo() {
        try (BpfMap counters = TestPrograms.counters("tg_t_cnt", 1);
             BpfProgram p = TestPrograms.counting("tg_t_count", counters, 0)) {
            ProgramInfo info = p.info();
            assertThat(info.name()).isEqualTo("tg_t_count");
            assertThat(info.type()).isEqualTo(ProgramType.CGROUP_SKB.value);
            assertThat(info.tag()).hasSize(16).isNotEqualTo("0000000000000000");
            assertThat(info.mapIds()).containsExactly(counters.id());
            assertThat(ObjectIds.programs()).contains(p.id());
            assertThat(ProgramInfo.ofId(p.id()).tag()).isEqualTo(info.tag());
            // The kernel's translated code disassembles; it inlines the per-CPU array lookup and
            // rewrites skb->len to the real sk_buff offset, but our arithmetic stays as written.
            assertThat(Disassembler.disassembleXlated(info.xlated()))
                    .contains("(bf) r6 = r1", "r1 += 1", "(b7) r0 = 1", "(95) exit");
        }
    }

    @Test
    void verifierRejectionCarriesTheLog() {
        // r0 is read before anything wrote it: the verifier says "R0 !read_ok".
        byte[] code = new Assembler().mov(R1, R0).exit().assemble().encode(m -> -1);
        ProgramSpec spec = new ProgramSpec(ProgramType.CGROUP_SKB, "tg_t_bad", null, code);
        assertThatThrownBy(() -> BpfProgram.load(spec))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.command()).isEqualTo(BpfCommand.BPF_PROG_LOAD);
                    assertThat(e.errno()).isEqualTo(Errno.EACCES);
                    assertThat(e.verifierLog()).hasValueSatisfying(log -> assertThat(log).contains("R0 !read_ok"));
                    assertThat(e.getMessage()).contains("BPF_PROG_LOAD", "EACCES", "tg_t_bad", "verifier log:", "R0 !read_ok");
                });
    }

    @Test
    void logLevelKeepsTheLogOfAGoodProgram() {
        ProgramSpec spec = ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_t_log", null,
                new Assembler().mov(R0, 1).exit().assemble(), Map.of()).withLogLevel(2);
        try (BpfProgram p = BpfProgram.load(spec)) {
            assertThat(p.verifierLog()).hasValueSatisfying(l -> assertThat(l).contains("processed 2 insns"));
        }
    }

    @Test
    void wrongReturnValueForIngressIsRejected() {
        // cgroup_skb ingress may return only 0 or 1.
        assertThatThrownBy(() -> TestPrograms.verdict("tg_t_ret7", 7).close())
                .isInstanceOfSatisfying(BpfException.class, e ->
                        assertThat(e.verifierLog()).hasValueSatisfying(l -> assertThat(l).contains("R0", "should have been in [0, 1]")));
    }

    @Test
    void pinAndReopenAndById() {
        Path dir = Pins.ensureDirectory(Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8)));
        try (BpfProgram p = TestPrograms.verdict("tg_t_pin", 1)) {
            p.pin(dir.resolve("prog"));
            try (BpfProgram again = BpfProgram.fromPin(dir.resolve("prog"));
                 BpfProgram byId = BpfProgram.fromId(p.id())) {
                assertThat(again.id()).isEqualTo(p.id());
                assertThat(byId.name()).isEqualTo("tg_t_pin");
            }
        } finally {
            Pins.removeTree(dir);
        }
    }

    @Test
    void testRunReturnsVerdictAndUpdatesMapsForReal() {
        try (BpfMap counters = TestPrograms.counters("tg_t_cnt", 1);
             BpfProgram p = TestPrograms.counting("tg_t_count", counters, 0)) {
            byte[] packet = Packets.ipv4Udp(new byte[] {127, 0, 0, 1}, new byte[] {127, 0, 0, 2}, 100);
            TestRun.Result r = p.testRun(new TestRun(packet, 5, null));
            assertThat(r.returnValue()).isEqualTo(1);
            // Five runs of one 128-byte IPv4 packet (the Ethernet header is not part of skb->len).
            assertThat(TestPrograms.read(counters, 0)).containsExactly(5, 5 * 128);
        }
    }

    @Test
    void testRunWithoutEthernetHeaderIsEinval() {
        try (BpfProgram p = TestPrograms.verdict("tg_t_pass", 1)) {
            assertThatThrownBy(() -> p.testRun(TestRun.of(new byte[10])))
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains("BPF_PROG_TEST_RUN", "Ethernet");
                    });
        }
    }

    @Test
    void getFdOfFreedIdIsEnoent() {
        assertThatThrownBy(() -> BpfProgram.fromId(Integer.MAX_VALUE))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }
}
