package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DisassemblerTest {

    /**
     * Lines as the kernel's verifier log prints them, taken from the {@code __msg("...")}
     * expectations of tools/testing/selftests/bpf/progs/compute_live_registers.c (with the slot
     * number and the liveness column removed).
     */
    static Stream<Arguments> kernelSelftestLines() {
        return Stream.of(
                line("(b7) r0 = 42", a -> a.mov(R0, 42)),
                line("(bf) r1 = r0", a -> a.mov(R1, R0)),
                line("(07) r1 += 7", a -> a.add(R1, 7)),
                line("(07) r1 += -8", a -> a.add(R1, -8)),
                line("(0f) r2 += r3", a -> a.add(R2, R3)),
                line("(27) r2 *= 2", a -> a.mul(R2, 2)),
                line("(7a) *(u64 *)(r1 +0) = 7", a -> a.stdw(R1, 0, 7)),
                line("(7b) *(u64 *)(r1 +0) = r2", a -> a.stxdw(R1, 0, R2)),
                line("(79) r5 = *(u64 *)(r4 +0)", a -> a.ldxdw(R5, R4, 0)),
                line("(61) r2 = *(u32 *)(r1 +0)", a -> a.ldxw(R2, R1, 0)),
                line("(d4) r2 = le64 r2", a -> a.le64(R2)),
                line("(db) r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)", a -> a.atomicFetchAdd(Size.DW, R0, 0, R1)),
                line("(c3) lock *(u32 *)(r0 +0) += r1", a -> a.atomicAdd(Size.W, R0, 0, R1)),
                line("(db) r1 = atomic64_xchg((u64 *)(r0 +0), r1)", a -> a.atomic(AtomicOp.XCHG, Size.DW, R0, 0, R1)),
                line("(db) r0 = atomic64_cmpxchg((u64 *)(r2 +0), r0, r1)",
                        a -> a.atomic(AtomicOp.CMPXCHG, Size.DW, R2, 0, R1)),
                line("(db) store_release((u64 *)(r2 -8), r1)",
                        a -> a.emit(Instruction.of(0xdb, R2, R1, -8, OpCode.STORE_REL))),
                line("(db) r4 = load_acquire((u64 *)(r3 -8))",
                        a -> a.emit(Instruction.of(0xdb, R4, R3, -8, OpCode.LOAD_ACQ))),
                line("(85) call bpf_trace_printk#6", a -> a.call(Helper.TRACE_PRINTK)),
                line("(85) call pc+2", a -> a.emit(Instruction.of(0x85, R0, R1, 0, 2))),
                line("(25) if r1 > 0x7 goto pc+1", a -> a.jgt(R1, 7, "l").mov(R0, 0).label("l").exit()),
                line("(2d) if r1 > r3 goto pc+1", a -> a.jgt(R1, R3, "l").mov(R0, 0).label("l").exit()),
                line("(45) if r1 & 0x7 goto pc+1", a -> a.jset(R1, 7, "l").mov(R0, 0).label("l").exit()),
                line("(05) goto pc+0", a -> a.ja("l").label("l").exit()),
                line("(05) goto pc-5", a -> a.emit(Instruction.of(0x05, R0, R0, -5, 0))),
                line("(06) gotol pc+1", a -> a.emit(Instruction.of(0x06, R0, R0, 0, 1))),
                line("(e5) may_goto pc+1", a -> a.emit(Instruction.of(0xe5, R0, R0, 1, 0))),
                line("(18) r2 = 0x7", a -> a.lddw(R2, 7)),
                line("(30) r0 = *(u8 *)skb[42]", a -> a.emit(Instruction.of(0x30, R0, R0, 0, 42))),
                line("(50) r0 = *(u8 *)skb[r3 + 0]", a -> a.emit(Instruction.of(0x50, R0, R3, 0, 0))),
                line("(bf) r1 = addr_space_cast(r0, 0, 1)", a -> a.emit(Instruction.of(0xbf, R1, R0, 1, 1))),
                line("(95) exit", Assembler::exit));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernelSelftestLines")
    void printsLikeTheVerifierLog(String expected, UnaryOperator<Assembler> build) {
        byte[] code = build.apply(new Assembler()).assemble().encode(map -> 0);

        assertThat(Disassembler.disassemble(code).lines().findFirst()).contains("0: " + expected);
    }

    /** The remaining formats of kernel/bpf/disasm.c, one per branch. */
    static Stream<Arguments> disasmBranches() {
        return Stream.of(
                line("(bc) w1 = w6", a -> a.mov32(R1, R6)),
                line("(b4) w1 = -1", a -> a.mov32(R1, -1)),
                line("(dc) r1 = be16 r1", a -> a.be16(R1)),
                line("(dc) r1 = be32 r1", a -> a.be32(R1)),
                line("(d7) r1 = bswap64 r1", a -> a.bswap64(R1)),
                line("(87) r3 = -r3", a -> a.neg(R3)),
                line("(84) w3 = -w3", a -> a.neg32(R3)),
                line("(c7) r1 s>>= 3", a -> a.arsh(R1, 3)),
                line("(3f) r1 s/= r2", a -> a.emit(Instruction.of(0x3f, R1, R2, 1, 0))),
                line("(94) w1 s%= 7", a -> a.emit(Instruction.of(0x94, R1, R0, 1, 7))),
                line("(bf) r1 = (s8)r2", a -> a.emit(Instruction.of(0xbf, R1, R2, 8, 0))),
                line("(bc) w1 = (s16)w2", a -> a.emit(Instruction.of(0xbc, R1, R2, 16, 0))),
                line("(91) r1 = *(s8 *)(r2 -3)", a -> a.emit(Instruction.of(0x91, R1, R2, -3, 0))),
                line("(69) r1 = *(u16 *)(r6 +12)", a -> a.ldxh(R1, R6, 12)),
                line("(72) *(u8 *)(r10 -1) = -1", a -> a.stb(R10, -1, -1)),
                line("(c3) lock *(u32 *)(r1 +4) |= r2", a -> a.atomic(AtomicOp.OR, Size.W, R1, 4, R2)),
                line("(c3) r2 = atomic_fetch_xor((u32 *)(r1 +4), r2)", a -> a.atomic(AtomicOp.FETCH_XOR, Size.W, R1, 4, R2)),
                line("(c3) r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)", a -> a.atomic(AtomicOp.CMPXCHG, Size.W, R1, 0, R2)),
                line("(56) if w1 != 0x800 goto pc+0", a -> a.jne32(R1, 0x800, "l").label("l").exit()),
                line("(5e) if w1 != w2 goto pc+0", a -> a.jne32(R1, R2, "l").label("l").exit()),
                line("(55) if r1 != 0xffffffff goto pc+0", a -> a.jne(R1, -1, "l").label("l").exit()),
                line("(18) r1 = 0xffffffffffffffff", a -> a.lddw(R1, -1)),
                line("(18) r1 = 0x1234", a -> a.lddw(R1, 0x1234)),
                line("(18) r1 = map[fd:5]", a -> a.ldMapFd(R1, "m")),
                line("(18) r1 = map[fd:5][0]+24", a -> a.ldMapValue(R1, "m", 24)),
                line("(85) call bpf_skb_load_bytes_relative#68", a -> a.call("skb_load_bytes_relative")),
                line("(85) call unknown#500", a -> a.emit(Instruction.of(0x85, R0, R0, 0, 500))),
                line("(85) call kernel-function#77", a -> a.emit(Instruction.of(0x85, R0, R2, 0, 77))),
                line("(c2) nospec", a -> a.emit(Instruction.of(0xc2, R0, R0, 0, 0))),
                line("BUG_ldx_01", a -> a.emit(Instruction.of(0x01, R0, R0, 0, 0))),
                line("BUG_st_22", a -> a.emit(Instruction.of(0x22, R0, R0, 0, 0))),
                line("BUG_db", a -> a.emit(Instruction.of(0xdb, R0, R0, 0, 0x20))),
                line("BUG_ld_00", a -> a.emit(Instruction.of(0x00, R0, R0, 0, 0))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("disasmBranches")
    void followsTheKernelsFormats(String expected, UnaryOperator<Assembler> build) {
        byte[] code = build.apply(new Assembler()).assemble().encode(map -> 5);

        assertThat(Disassembler.disassemble(code).lines().findFirst()).contains("0: " + expected);
    }

    @Test
    void roundTripsAnAccountingProgram() {
        Instructions prog = new Assembler()
                .mov(R6, R1)
                .ldxw(R7, R6, 0)
                .mov(R1, 0)
                .stxw(R10, -4, R1)
                .ldMapFd(R1, "counters")
                .mov(R2, R10)
                .add(R2, -4)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "pass")
                .mov(R1, 1)
                .atomicAdd(Size.DW, R0, 0, R1)
                .atomicAdd(Size.DW, R0, 8, R7)
                .label("pass")
                .mov(R0, 1)
                .exit()
                .assemble();

        String text = Disassembler.disassemble(prog.encode(Map.of("counters", 5)::get));

        assertThat(text.lines()).containsExactly(
                "0: (bf) r6 = r1",
                "1: (61) r7 = *(u32 *)(r6 +0)",
                "2: (b7) r1 = 0",
                "3: (63) *(u32 *)(r10 -4) = r1",
                "4: (18) r1 = map[fd:5]",
                "6: (bf) r2 = r10",
                "7: (07) r2 += -4",
                "8: (85) call bpf_map_lookup_elem#1",
                "9: (15) if r0 == 0x0 goto pc+3",
                "10: (b7) r1 = 1",
                "11: (db) lock *(u64 *)(r0 +0) += r1",
                "12: (db) lock *(u64 *)(r0 +8) += r7",
                "13: (b7) r0 = 1",
                "14: (95) exit");
        assertThat(text).endsWith("exit\n");
        assertThat(prog.disassemble().lines()).element(4).isEqualTo("4: (18) r1 = map[name:counters]");
        assertThat(prog.disassemble().lines()).element(8).isEqualTo("9: (15) if r0 == 0x0 goto pc+3");
    }

    @Test
    void theBriefsExamples() {
        Instructions prog = new Assembler()
                .mov(R0, 1)
                .exit()
                .ldMapFd(R1, "m")
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "l")
                .add(R0, 8)
                .ldxdw(R2, R0, 8)
                .atomicAdd(Size.DW, R0, 0, R2)
                .label("l")
                .exit()
                .assemble();

        assertThat(Disassembler.disassemble(prog.encode(name -> 5)).lines()).containsExactly(
                "0: (b7) r0 = 1",
                "1: (95) exit",
                "2: (18) r1 = map[fd:5]",
                "4: (85) call bpf_map_lookup_elem#1",
                "5: (15) if r0 == 0x0 goto pc+3",
                "6: (07) r0 += 8",
                "7: (79) r2 = *(u64 *)(r0 +8)",
                "8: (db) lock *(u64 *)(r0 +0) += r2",
                "9: (95) exit");
    }

    /**
     * The kernel returns translated bytecode with map ids in place of fds; bpftool prints them as
     * {@code map[id:N]} (tools/bpf/bpftool/xlated_dumper.c, print_imm), e.g.
     * {@code 1: (18) r1 = map[id:2]} and {@code 0: (18) r6 = map[id:16][0]+0} in its dumps.
     */
    @Test
    void translatedBytecodeShowsMapIds() {
        byte[] xlated = HexFormat.of().parseHex(
                "1811000002000000" + "0000000000000000"      // r1 = map[id:2]
                + "1826000010000000" + "0000000000000000"    // r6 = map[id:16][0]+0
                + "620afcff00000000"                         // *(u32 *)(r10 -4) = 0
                + "3500030000010000"                         // if r0 >= 0x100 goto pc+3
                + "6700000003000000");                       // r0 <<= 3

        assertThat(Disassembler.disassembleXlated(xlated).lines()).containsExactly(
                "0: (18) r1 = map[id:2]",
                "2: (18) r6 = map[id:16][0]+0",
                "4: (62) *(u32 *)(r10 -4) = 0",
                "5: (35) if r0 >= 0x100 goto pc+3",
                "6: (67) r0 <<= 3");
    }

    @Test
    void decodesAnyRegisterNibble() {
        byte[] code = HexFormat.of().parseHex("bffb000000000000");

        assertThat(Disassembler.disassemble(code)).isEqualTo("0: (bf) r11 = r15\n");
    }

    @Test
    void refusesCodeThatIsNotWholeInstructions() {
        assertThatThrownBy(() -> Disassembler.disassemble(new byte[12]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12");
        byte[] cutLddw = HexFormat.of().parseHex("b700000000000000" + "1801000001000000");
        assertThatThrownBy(() -> Disassembler.disassemble(cutLddw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slot 1");
    }

    @Test
    void emptyCodeIsEmptyText() {
        assertThat(Disassembler.disassemble(new byte[0])).isEmpty();
    }

    @Test
    void formatsSingleInstructions() {
        Instructions prog = new Assembler().lddw(R3, 0xabcdL << 32).mov32(R1, R6).assemble();

        assertThat(Disassembler.format(prog.list().get(0), prog.list().get(1))).isEqualTo("(18) r3 = 0xabcd00000000");
        assertThat(Disassembler.format(prog.list().get(2), null)).isEqualTo("(bc) w1 = w6");
        assertThatThrownBy(() -> Disassembler.format(prog.list().get(0), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listsOfInstructionsPrintLikeTheirBytes() {
        Instructions prog = new Assembler().ldMapFd(R1, "m").mov(R0, 0).exit().assemble();
        byte[] code = prog.encode(name -> 42);

        assertThat(Disassembler.disassemble(Instruction.decodeAll(code))).isEqualTo(Disassembler.disassemble(code));
    }

    private static Arguments line(String expected, UnaryOperator<Assembler> build) {
        return Arguments.of(expected, build);
    }
}
