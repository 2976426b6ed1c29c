package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Map loads by name, patched with fds by {@link Instructions#encode}. */
class MapRelocationTest {
    @Test
    void mapLoadsAreRelocatedAtEncodeTime() {
        Instructions prog = new Assembler()
                .ldMapFd(R1, "ingress")          // 0, 1
                .ldMapFd(R2, "egress")           // 2, 3
                .ldMapFd(R3, "ingress")          // 4, 5
                .mov(R0, 1)
                .exit()
                .assemble();

        assertThat(prog.mapReferences()).containsExactly("ingress", "egress");
        assertThat(prog.list().get(0)).isEqualTo(Instruction.of(0x18, R1, R1, 0, 0));

        byte[] code = prog.encode(Map.of("ingress", 7, "egress", 300)::get);

        List<Instruction> slots = Instruction.decodeAll(code);
        assertThat(slots.get(0)).isEqualTo(Instruction.of(0x18, R1, R1, 0, 7));
        assertThat(slots.get(1)).isEqualTo(Instruction.of(0, R0, R0, 0, 0));
        assertThat(slots.get(2)).isEqualTo(Instruction.of(0x18, R2, R1, 0, 300));
        assertThat(slots.get(4)).isEqualTo(Instruction.of(0x18, R3, R1, 0, 7));
        assertThat(slots.subList(6, 8)).isEqualTo(prog.list().subList(6, 8));
    }

    @Test
    void encodingLeavesTheProgramUnchanged() {
        Instructions prog = new Assembler().ldMapFd(R1, "m").exit().assemble();

        byte[] first = prog.encode(name -> 3);
        byte[] second = prog.encode(name -> 4);

        assertThat(first[4]).isEqualTo((byte) 3);
        assertThat(second[4]).isEqualTo((byte) 4);
        assertThat(prog.list().get(0).imm()).isZero();
    }

    @Test
    void mapValueLoadsCarryTheOffsetInTheSecondSlot() {
        Instructions prog = new Assembler().ldMapValue(R4, "config", 16).exit().assemble();

        List<Instruction> slots = Instruction.decodeAll(prog.encode(name -> 9));

        assertThat(prog.mapReferences()).containsExactly("config");
        assertThat(slots.get(0)).isEqualTo(Instruction.of(0x18, R4, R2, 0, 9));
        assertThat(slots.get(1)).isEqualTo(Instruction.of(0, R0, R0, 0, 16));
    }

    @Test
    void anUnknownMapIsNamedWhenTheLookupFails() {
        Instructions prog = new Assembler().ldMapFd(R1, "ingress").ldMapFd(R1, "missing").exit().assemble();

        assertThatThrownBy(() -> prog.encode(Map.of("ingress", 3)::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'missing'");
    }

    @Test
    void anUnknownMapIsNamedWhenTheFdIsNegative() {
        Instructions prog = new Assembler().ldMapFd(R1, "missing").exit().assemble();

        assertThatThrownBy(() -> prog.encode(name -> -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'missing'");
    }

    @Test
    void programsWithoutMapsNeverAskForOne() {
        Instructions prog = new Assembler().mov(R0, 1).exit().assemble();

        assertThat(prog.mapReferences()).isEmpty();
        assertThat(prog.encode(name -> {
            throw new AssertionError("asked for " + name);
        })).hasSize(16);
    }

    @Test
    void badMapLoadsAreRefused() {
        assertThatThrownBy(() -> new Assembler().ldMapFd(R1, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Assembler().ldMapValue(R1, "m", -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
