package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InstructionTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    /** "r8 = *(u64 *)(r3 - 30)" from LLVM llvm/test/MC/BPF/insn-unit.s: both nibbles, a negative offset. */
    @Test
    void encodesTheKernelsLayout() {
        Instruction insn = Instruction.of(0x79, R8, R3, -30, 0);

        assertThat(HEX.formatHex(insn.encode())).isEqualTo("79 38 e2 ff 00 00 00 00");
    }

    /** "if r5 s>= 0x7fffffff goto +9" from insn-unit.s: a full little-endian immediate. */
    @Test
    void decodesWhatItEncodes() {
        byte[] bytes = HEX.parseHex("75 05 09 00 ff ff ff 7f");

        Instruction insn = Instruction.decode(bytes, 0);

        assertThat(insn).isEqualTo(Instruction.of(0x75, R5, R0, 9, Integer.MAX_VALUE));
        assertThat(insn.code()).isEqualTo(0x75);
        assertThat(insn.instructionClass()).isEqualTo(OpCode.JMP);
        assertThat(insn.encode()).isEqualTo(bytes);
    }

    @Test
    void decodesAtAByteOffset() {
        byte[] bytes = HEX.parseHex("95 00 00 00 00 00 00 00 b7 09 00 00 ff ff ff ff");

        assertThat(Instruction.decode(bytes, 8)).isEqualTo(Instruction.of(0xb7, R9, R0, 0, -1));
        assertThatThrownBy(() -> Instruction.decode(bytes, 9)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesRegistersTheKernelDoesNotHave() {
        byte[] bytes = HEX.parseHex("95 00 00 00 00 00 00 00 bf 0b 00 00 00 00 00 00");

        assertThatThrownBy(() -> Instruction.decodeAll(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("r11")
                .hasMessageContaining("slot 1");
    }

    @Test
    void refusesPartialInstructions() {
        assertThatThrownBy(() -> Instruction.decodeAll(new byte[9]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9");
    }

    @Test
    void refusesOffsetsBeyondSixteenBits() {
        assertThatThrownBy(() -> Instruction.of(0x79, R1, R2, 32768, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32768");
        assertThatThrownBy(() -> new Instruction((byte) 0x95, null, R0, (short) 0, 0))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void knowsTheTwoSlotLoad() {
        assertThat(Instruction.of(0x18, R1, R0, 0, 0).isLoadImm64()).isTrue();
        assertThat(Instruction.of(0x95, R0, R0, 0, 0).isLoadImm64()).isFalse();
    }

    @Test
    void registers() {
        assertThat(Register.of(10)).isSameAs(Register.FRAME_POINTER);
        assertThat(R10.isFramePointer()).isTrue();
        assertThat(R6).hasToString("r6");
        assertThat(R6.number()).isEqualTo(6);
        assertThatThrownBy(() -> Register.of(11)).isInstanceOf(IllegalArgumentException.class);
    }
}
