package dev.tollgate.bpf.asm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded random instructions and programs: whatever is encoded decodes back to the same thing. */
class RoundTripPropertyTest {
    private static final long SEED = 0x7011_6a7eL;
    private static final Register[] REGS = Register.values();
    private static final Register[] WRITABLE = Arrays.copyOf(REGS, 10);

    @Test
    void anySlotDecodesToItself() {
        Random random = new Random(SEED);
        List<Instruction> slots = new ArrayList<>();
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            Instruction insn = new Instruction((byte) random.nextInt(256), pick(random, REGS), pick(random, REGS),
                    (short) random.nextInt(1 << 16), random.nextInt());
            byte[] bytes = insn.encode();

            assertThat(Instruction.decode(bytes, 0)).isEqualTo(insn);
            slots.add(insn);
            code.writeBytes(bytes);
        }
        assertThat(Instruction.decodeAll(code.toByteArray())).isEqualTo(slots);
    }

    @Test
    void assembledProgramsDecodeToTheirInstructions() {
        Random random = new Random(SEED);
        for (int p = 0; p < 2000; p++) {
            RandomProgram program = new RandomProgram(random);
            Instructions prog = program.assembler.assemble();
            Map<String, Integer> fds = new HashMap<>();
            for (String map : prog.mapReferences()) {
                fds.put(map, 3 + random.nextInt(1000));
            }

            byte[] code = prog.encode(fds::get);
            List<Instruction> decoded = Instruction.decodeAll(code);

            assertThat(prog.size()).isEqualTo(program.slots);
            assertThat(code).hasSize(prog.size() * Instruction.SIZE);
            assertThat(decoded).hasSize(prog.size());
            for (int i = 0; i < decoded.size(); i++) {
                Instruction expected = prog.list().get(i);
                String map = program.mapLoads.get(i);
                if (map != null) {
                    expected = expected.withImm(fds.get(map));
                }
                assertThat(decoded.get(i)).as("program %d slot %d", p, i).isEqualTo(expected);
            }
            for (Map.Entry<Integer, String> jump : program.jumps.entrySet()) {
                int at = jump.getKey();
                assertThat(at + 1 + decoded.get(at).offset())
                        .as("program %d jump at %d to %s", p, at, jump.getValue())
                        .isEqualTo(program.labels.get(jump.getValue()));
            }

            List<String> lines = Disassembler.disassemble(code).lines().toList();
            assertThat(lines).hasSize(program.instructions);
            for (String line : lines) {
                int slot = Integer.parseInt(line.substring(0, line.indexOf(':')));
                Instruction second = slot + 1 < decoded.size() ? decoded.get(slot + 1) : null;
                assertThat(line).isEqualTo(slot + ": " + Disassembler.format(decoded.get(slot), second));
                assertThat(line).doesNotContain("BUG");
            }
        }
    }

    /** A random but well-formed program: labels before instructions, every jump to a defined one. */
    private static final class RandomProgram {
        final Assembler assembler = new Assembler();
        final Map<String, Integer> labels = new HashMap<>();
        final Map<Integer, String> jumps = new HashMap<>();
        final Map<Integer, String> mapLoads = new HashMap<>();
        final List<String> labelNames = new ArrayList<>();
        int slots;
        int instructions;

        RandomProgram(Random random) {
            int labelCount = 1 + random.nextInt(5);
            for (int i = 0; i < labelCount; i++) {
                labelNames.add("l" + i);
            }
            int length = 1 + random.nextInt(60);
            List<Integer> labelAt = new ArrayList<>();
            for (int i = 0; i < labelCount; i++) {
                labelAt.add(random.nextInt(length));
            }
            for (int n = 0; n < length; n++) {
                for (int i = 0; i < labelCount; i++) {
                    if (labelAt.get(i) == n) {
                        assembler.label(labelNames.get(i));
                        labels.put(labelNames.get(i), slots);
                    }
                }
                emitOne(random);
            }
            assembler.exit();
            count(1);
        }

        private void emitOne(Random r) {
            Register dst = pick(r, WRITABLE);
            Register src = pick(r, REGS);
            Register base = pick(r, REGS);
            short offset = (short) r.nextInt(1 << 16);
            switch (r.nextInt(12)) {
                case 0 -> {
                    AluOp op = pick(r, AluOp.values());
                    if (r.nextBoolean()) {
                        assembler.alu64(op, dst, src);
                    } else {
                        assembler.alu64(op, dst, aluImm(r, op, 64));
                    }
                    count(1);
                }
                case 1 -> {
                    AluOp op = pick(r, AluOp.values());
                    if (r.nextBoolean()) {
                        assembler.alu32(op, dst, src);
                    } else {
                        assembler.alu32(op, dst, aluImm(r, op, 32));
                    }
                    count(1);
                }
                case 2 -> {
                    switch (r.nextInt(11)) {
                        case 0 -> assembler.neg(dst);
                        case 1 -> assembler.neg32(dst);
                        case 2 -> assembler.be16(dst);
                        case 3 -> assembler.be32(dst);
                        case 4 -> assembler.be64(dst);
                        case 5 -> assembler.le16(dst);
                        case 6 -> assembler.le32(dst);
                        case 7 -> assembler.le64(dst);
                        case 8 -> assembler.bswap16(dst);
                        case 9 -> assembler.bswap32(dst);
                        default -> assembler.bswap64(dst);
                    }
                    count(1);
                }
                case 3 -> {
                    assembler.ldx(pick(r, Size.values()), dst, base, offset);
                    count(1);
                }
                case 4 -> {
                    assembler.stx(pick(r, Size.values()), base, offset, src);
                    count(1);
                }
                case 5 -> {
                    assembler.st(pick(r, Size.values()), base, offset, r.nextInt());
                    count(1);
                }
                case 6 -> {
                    AtomicOp op = pick(r, AtomicOp.values());
                    Register value = op.writesSource() ? dst : src;
                    assembler.atomic(op, r.nextBoolean() ? Size.W : Size.DW, base, offset, value);
                    count(1);
                }
                case 7 -> {
                    String label = pick(r, labelNames);
                    jumps.put(slots, label);
                    JumpOp op = pick(r, JumpOp.values());
                    switch (r.nextInt(5)) {
                        case 0 -> assembler.jump(op, dst, src, label);
                        case 1 -> assembler.jump(op, dst, r.nextInt(), label);
                        case 2 -> assembler.jump32(op, dst, src, label);
                        case 3 -> assembler.jump32(op, dst, r.nextInt(), label);
                        default -> assembler.ja(label);
                    }
                    count(1);
                }
                case 8 -> {
                    assembler.lddw(dst, r.nextLong());
                    count(2);
                }
                case 9 -> {
                    String map = "map" + r.nextInt(4);
                    mapLoads.put(slots, map);
                    if (r.nextBoolean()) {
                        assembler.ldMapFd(dst, map);
                    } else {
                        assembler.ldMapValue(dst, map, r.nextInt(Integer.MAX_VALUE));
                    }
                    count(2);
                }
                case 10 -> {
                    assembler.call(pick(r, Helper.values()));
                    count(1);
                }
                default -> {
                    assembler.exit();
                    count(1);
                }
            }
        }

        private static int aluImm(Random r, AluOp op, int width) {
            if (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) {
                return r.nextInt(width);
            }
            int imm = r.nextInt();
            return imm == 0 && (op == AluOp.DIV || op == AluOp.MOD) ? 1 : imm;
        }

        private void count(int n) {
            slots += n;
            instructions++;
        }
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
