package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Jump targets: offsets count slots from the instruction after the jump. */
class LabelTest {
    @Test
    void forwardJumpCountsFromTheNextInstruction() {
        Instructions prog = new Assembler()
                .jeq(R1, 0, "out")   // 0
                .mov(R0, 2)          // 1
                .exit()              // 2
                .label("out")
                .mov(R0, 1)          // 3
                .exit()
                .assemble();

        assertThat(prog.list().get(0).offset()).isEqualTo((short) 2);
    }

    @Test
    void backwardJumpIsNegative() {
        Instructions prog = new Assembler()
                .mov(R1, 0)          // 0
                .label("loop")
                .add(R1, 1)          // 1
                .jlt(R1, 10, "loop") // 2: back to 1 = 2 + 1 - 2
                .mov(R0, R1)
                .exit()
                .assemble();

        assertThat(prog.list().get(2).offset()).isEqualTo((short) -2);
    }

    @Test
    void jumpToItselfIsMinusOne() {
        Instructions prog = new Assembler().label("spin").ja("spin").assemble();

        assertThat(prog.list().get(0).offset()).isEqualTo((short) -1);
    }

    @Test
    void jumpToTheNextInstructionIsZero() {
        Instructions prog = new Assembler().ja("next").label("next").exit().assemble();

        assertThat(prog.list().get(0).offset()).isZero();
    }

    @Test
    void lddwCountsTwoSlotsBothWays() {
        Instructions prog = new Assembler()
                .label("top")
                .jeq(R1, 0, "after")          // 0
                .lddw(R2, 0x1_0000_0000L)     // 1, 2
                .ldMapFd(R3, "counters")      // 3, 4
                .label("after")
                .jne(R1, 0, "top")            // 5
                .exit()                       // 6
                .assemble();

        assertThat(prog.size()).isEqualTo(7);
        assertThat(prog.list().get(0).offset()).isEqualTo((short) 4);
        assertThat(prog.list().get(5).offset()).isEqualTo((short) -6);
    }

    @Test
    void severalLabelsMayNameOneInstruction() {
        Instructions prog = new Assembler()
                .ja("b")
                .ja("a")
                .label("a").label("b")
                .exit()
                .assemble();

        assertThat(prog.list()).extracting(Instruction::offset).containsExactly((short) 1, (short) 0, (short) 0);
    }

    @Test
    void offsetsAtTheEdgesOfSixteenBitsAreAccepted() {
        Assembler forward = new Assembler().ja("far");
        fill(forward, Short.MAX_VALUE);
        Instructions f = forward.label("far").exit().assemble();
        assertThat(f.list().get(0).offset()).isEqualTo(Short.MAX_VALUE);

        Assembler backward = new Assembler().label("far");
        fill(backward, -Short.MIN_VALUE - 1);
        Instructions b = backward.ja("far").assemble();
        assertThat(b.list().getLast().offset()).isEqualTo(Short.MIN_VALUE);
    }

    @Test
    void aForwardJumpBeyondSixteenBitsNamesItsLabel() {
        Assembler a = new Assembler().ja("too_far");
        fill(a, Short.MAX_VALUE + 1);
        a.label("too_far").exit();

        assertThatThrownBy(a::assemble)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'too_far'")
                .hasMessageContaining("32768");
    }

    @Test
    void aBackwardJumpBeyondSixteenBitsNamesItsLabel() {
        Assembler a = new Assembler().label("too_far");
        fill(a, -Short.MIN_VALUE);
        a.ja("too_far");

        assertThatThrownBy(a::assemble)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'too_far'")
                .hasMessageContaining("-32769");
    }

    @Test
    void anUndefinedLabelIsNamed() {
        Assembler a = new Assembler().mov(R0, 0).jeq(R0, 0, "nowhere").exit();

        assertThatThrownBy(a::assemble)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'nowhere'")
                .hasMessageContaining("instruction 1");
    }

    @Test
    void aDuplicateLabelIsNamed() {
        Assembler a = new Assembler().label("here").mov(R0, 0);

        assertThatThrownBy(() -> a.label("here"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'here'")
                .hasMessageContaining("instruction 0");
    }

    @Test
    void aLabelAfterTheLastInstructionIsNamed() {
        Assembler a = new Assembler().ja("end").exit().label("end");

        assertThatThrownBy(a::assemble)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'end'");
    }

    @Test
    void emptyLabelNamesAreRefused() {
        assertThatThrownBy(() -> new Assembler().label(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().ja(null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void fill(Assembler a, int n) {
        for (int i = 0; i < n; i++) {
            a.mov(R0, 0);
        }
    }
}
