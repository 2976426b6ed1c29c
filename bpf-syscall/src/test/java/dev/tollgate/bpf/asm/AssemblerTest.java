package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AssemblerTest {
    @Test
    void isImmutable() {
        Instructions prog = new Assembler().ldMapFd(R1, "m").exit().assemble();

        assertThatThrownBy(() -> prog.list().add(Instruction.of(0x95, R0, R0, 0, 0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> prog.mapReferences().add("other"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theBuilderCanGoOnAfterAssembling() {
        Assembler a = new Assembler().mov(R0, 0);
        Instructions first = a.assemble();
        Instructions second = a.exit().assemble();

        assertThat(first.size()).isEqualTo(1);
        assertThat(second.size()).isEqualTo(2);
    }

    @Test
    void encodesEightLittleEndianBytesPerSlot() {
        Instructions prog = new Assembler().lddw(R1, 0x0102_0304_0506_0708L).exit().assemble();

        assertThat(prog.encode(name -> 0)).containsExactly(
                0x18, 0x01, 0, 0, 0x08, 0x07, 0x06, 0x05,
                0, 0, 0, 0, 0x04, 0x03, 0x02, 0x01,
                0x95, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void emitAppendsRawSlots() {
        Instruction mayGoto = Instruction.of(OpCode.JMP | OpCode.JCOND, R0, R0, 0, 0);

        Instructions prog = new Assembler().emit(mayGoto).exit().assemble();

        assertThat(prog.list().getFirst()).isEqualTo(mayGoto);
    }

    @Test
    void anEmptyProgramIsRefused() {
        assertThatThrownBy(() -> new Assembler().assemble())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no instructions");
    }
    @Test
    void theFramePointerIsReadOnly() {
        assertThatThrownBy(() -> new Assembler().mov(R10, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("r10");
        assertThatThrownBy(() -> new Assembler().add32(R10, R1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().ldxdw(R10, R1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().lddw(R10, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().neg(R10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().be16(R10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().atomicFetchAdd(Size.DW, R1, 0, R10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFramePointerMayBeReadAndStoredThrough() {
        Instructions prog = new Assembler()
                .mov(R2, R10)
                .stdw(R10, -8, 0)
                .stxdw(R10, -16, R1)
                .atomicAdd(Size.DW, R10, -8, R1)
                .exit()
                .assemble();

        assertThat(prog.size()).isEqualTo(5);
    }

    @Test
    void divisionByAnImmediateZeroIsRefused() {
        assertThatThrownBy(() -> new Assembler().div(R1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().mod32(R1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shiftsBeyondTheWidthAreRefused() {
        new Assembler().lsh(R1, 63).rsh32(R1, 31).arsh(R1, 0);
        assertThatThrownBy(() -> new Assembler().lsh(R1, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().rsh32(R1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().arsh(R1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void memoryOffsetsMustFitSixteenBits() {
        new Assembler().ldxw(R1, R2, Short.MIN_VALUE).stxw(R2, Short.MAX_VALUE, R1);
        assertThatThrownBy(() -> new Assembler().ldxw(R1, R2, 40000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("40000");
        assertThatThrownBy(() -> new Assembler().stw(R10, -40000, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void atomicsAreWordOrDoubleWord() {
        assertThatThrownBy(() -> new Assembler().atomicAdd(Size.B, R1, 0, R2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("B");
        assertThatThrownBy(() -> new Assembler().atomicAdd(Size.H, R1, 0, R2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownHelpersAreNamed() {
        assertThatThrownBy(() -> new Assembler().call("bpf_no_such_helper"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bpf_no_such_helper");
    }

    @Test
    void callsByNameAndByHelperAreTheSame() {
        Instructions byName = new Assembler().call("bpf_skb_load_bytes").call("skb_load_bytes").assemble();
        Instructions byHelper = new Assembler().call(Helper.SKB_LOAD_BYTES).call(Helper.SKB_LOAD_BYTES).assemble();

        assertThat(byName.list()).isEqualTo(byHelper.list());
        assertThat(byName.list().getFirst().imm()).isEqualTo(26);
    }

    @Test
    void nullsAreRefused() {
        assertThatThrownBy(() -> new Assembler().mov(null, R1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Assembler().mov(R1, (Register) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Assembler().call((Helper) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Assembler().ldx(null, R1, R2, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Assembler().emit(null)).isInstanceOf(NullPointerException.class);
    }
}
