package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reason of a Result=resources as status shows it: one line, the verifier's verdict rather than its statistics. */
class StartFailureReasonTest {
    @Test
    void aRefusedProgramSaysWhatTheVerifierSaid() {
        // As BpfException words the refusal of the old socket-bind program (SocketBindAllow= alone).
        String refused = "BPF_PROG_LOAD failed (CGROUP_SOCK_ADDR 'tg_bind4', 12 instructions): EINVAL (22, Invalid argument)"
                + " - the verifier rejected the program, or a field is unknown to this kernel\nverifier log:\n"
                + "unreachable insn 10\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        assertThat(Execute.oneLine(refused)).isEqualTo("BPF_PROG_LOAD failed (CGROUP_SOCK_ADDR 'tg_bind4', 12 instructions):"
                + " EINVAL (22, Invalid argument) - the verifier rejected the program, or a field is unknown to this kernel;"
                + " verifier: unreachable insn 10");
    }

    @Test
    void otherErrorsStayAsTheyAreOnOneLine() {
        assertThat(Execute.oneLine("BPF_LINK_CREATE failed: EINVAL (22, Invalid argument)\n - hint"))
                .isEqualTo("BPF_LINK_CREATE failed: EINVAL (22, Invalid argument)  - hint");
        assertThat(Execute.oneLine("x\nverifier log:\nprocessed 3 insns\n")).isEqualTo("x");
    }
}
