package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.Register.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-for-byte encodings against what other assemblers produce for the same instruction. Each
 * case names its source file; the first argument is the instruction as that file writes it.
 */
class LlvmEncodingTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    static Stream<Arguments> instructions() {
        return Stream.of(
                // LLVM llvm/test/MC/BPF/insn-unit.s (llvm-mc -triple bpfel | llvm-objdump -d)
                enc("r5 = *(u8 *)(r0 + 0)", a -> a.ldxb(R5, R0, 0), "71 05 00 00 00 00 00 00"),
                enc("r6 = *(u16 *)(r1 + 8)", a -> a.ldxh(R6, R1, 8), "69 16 08 00 00 00 00 00"),
                enc("r7 = *(u32 *)(r2 + 16)", a -> a.ldxw(R7, R2, 16), "61 27 10 00 00 00 00 00"),
                enc("r8 = *(u64 *)(r3 - 30)", a -> a.ldxdw(R8, R3, -30), "79 38 e2 ff 00 00 00 00"),
                enc("*(u8 *)(r0 + 0) = r7", a -> a.stxb(R0, 0, R7), "73 70 00 00 00 00 00 00"),
                enc("*(u16 *)(r1 + 8) = r8", a -> a.stxh(R1, 8, R8), "6b 81 08 00 00 00 00 00"),
                enc("*(u32 *)(r2 + 16) = r9", a -> a.stxw(R2, 16, R9), "63 92 10 00 00 00 00 00"),
                enc("*(u64 *)(r3 - 30) = r10", a -> a.stxdw(R3, -30, R10), "7b a3 e2 ff 00 00 00 00"),
                enc("lock *(u32 *)(r2 + 16) += r9", a -> a.atomicAdd(Size.W, R2, 16, R9), "c3 92 10 00 00 00 00 00"),
                enc("lock *(u64 *)(r3 - 30) += r10", a -> a.atomicAdd(Size.DW, R3, -30, R10), "db a3 e2 ff 00 00 00 00"),
                enc("call 1", a -> a.call(Helper.MAP_LOOKUP_ELEM), "85 00 00 00 01 00 00 00"),
                enc("exit", Assembler::exit, "95 00 00 00 00 00 00 00"),
                enc("r9 = 0xffffffff ll", a -> a.lddw(R9, 0xffff_ffffL),
                        "18 09 00 00 ff ff ff ff 00 00 00 00 00 00 00 00"),
                enc("r9 = 8589934591 ll", a -> a.lddw(R9, 8589934591L),
                        "18 09 00 00 ff ff ff ff 00 00 00 00 01 00 00 00"),
                enc("r0 += r1", a -> a.add(R0, R1), "0f 10 00 00 00 00 00 00"),
                enc("r1 -= r2", a -> a.sub(R1, R2), "1f 21 00 00 00 00 00 00"),
                enc("r2 *= r3", a -> a.mul(R2, R3), "2f 32 00 00 00 00 00 00"),
                enc("r3 /= r4", a -> a.div(R3, R4), "3f 43 00 00 00 00 00 00"),
                enc("r4 %= r5", a -> a.mod(R4, R5), "9f 54 00 00 00 00 00 00"),
                enc("r2 = -r2", a -> a.neg(R2), "87 02 00 00 00 00 00 00"),
                enc("r4 |= r5", a -> a.or(R4, R5), "4f 54 00 00 00 00 00 00"),
                enc("r5 &= r6", a -> a.and(R5, R6), "5f 65 00 00 00 00 00 00"),
                enc("r6 <<= r7", a -> a.lsh(R6, R7), "6f 76 00 00 00 00 00 00"),
                enc("r7 >>= r8", a -> a.rsh(R7, R8), "7f 87 00 00 00 00 00 00"),
                enc("r8 ^= r9", a -> a.xor(R8, R9), "af 98 00 00 00 00 00 00"),
                enc("r9 = r10", a -> a.mov(R9, R10), "bf a9 00 00 00 00 00 00"),
                enc("r1 = be16 r1", a -> a.be16(R1), "dc 01 00 00 10 00 00 00"),
                enc("r2 = be32 r2", a -> a.be32(R2), "dc 02 00 00 20 00 00 00"),
                enc("r3 = be64 r3", a -> a.be64(R3), "dc 03 00 00 40 00 00 00"),
                enc("r0 += 1", a -> a.add(R0, 1), "07 00 00 00 01 00 00 00"),
                enc("r1 -= 0x1", a -> a.sub(R1, 1), "17 01 00 00 01 00 00 00"),
                enc("r2 *= -4", a -> a.mul(R2, -4), "27 02 00 00 fc ff ff ff"),
                enc("r3 /= 5", a -> a.div(R3, 5), "37 03 00 00 05 00 00 00"),
                enc("r4 %= 5", a -> a.mod(R4, 5), "97 04 00 00 05 00 00 00"),
                enc("r4 |= 0xff", a -> a.or(R4, 0xff), "47 04 00 00 ff 00 00 00"),
                enc("r5 &= 0xFF", a -> a.and(R5, 0xff), "57 05 00 00 ff 00 00 00"),
                enc("r6 <<= 63", a -> a.lsh(R6, 63), "67 06 00 00 3f 00 00 00"),
                enc("r7 >>= 32", a -> a.rsh(R7, 32), "77 07 00 00 20 00 00 00"),
                enc("r8 ^= 0", a -> a.xor(R8, 0), "a7 08 00 00 00 00 00 00"),
                enc("r9 = 1", a -> a.mov(R9, 1), "b7 09 00 00 01 00 00 00"),
                enc("r9 = 0xffffffff", a -> a.mov(R9, -1), "b7 09 00 00 ff ff ff ff"),

                // LLVM llvm/test/MC/BPF/insn-unit-32.s
                enc("w1 = -w1", a -> a.neg32(R1), "84 01 00 00 00 00 00 00"),
                enc("w0 += w1", a -> a.add32(R0, R1), "0c 10 00 00 00 00 00 00"),
                enc("w1 -= w2", a -> a.sub32(R1, R2), "1c 21 00 00 00 00 00 00"),
                enc("w2 *= w3", a -> a.mul32(R2, R3), "2c 32 00 00 00 00 00 00"),
                enc("w3 /= w4", a -> a.div32(R3, R4), "3c 43 00 00 00 00 00 00"),
                enc("w4 |= w5", a -> a.or32(R4, R5), "4c 54 00 00 00 00 00 00"),
                enc("w5 &= w6", a -> a.and32(R5, R6), "5c 65 00 00 00 00 00 00"),
                enc("w6 <<= w7", a -> a.lsh32(R6, R7), "6c 76 00 00 00 00 00 00"),
                enc("w7 >>= w8", a -> a.rsh32(R7, R8), "7c 87 00 00 00 00 00 00"),
                enc("w8 ^= w9", a -> a.xor32(R8, R9), "ac 98 00 00 00 00 00 00"),
                enc("w9 = w10", a -> a.mov32(R9, R10), "bc a9 00 00 00 00 00 00"),
                enc("w0 += 1", a -> a.add32(R0, 1), "04 00 00 00 01 00 00 00"),
                enc("w1 -= 0x1", a -> a.sub32(R1, 1), "14 01 00 00 01 00 00 00"),
                enc("w2 *= -4", a -> a.mul32(R2, -4), "24 02 00 00 fc ff ff ff"),
                enc("w3 /= 5", a -> a.div32(R3, 5), "34 03 00 00 05 00 00 00"),
                enc("w4 |= 0xff", a -> a.or32(R4, 0xff), "44 04 00 00 ff 00 00 00"),
                enc("w5 &= 0xFF", a -> a.and32(R5, 0xff), "54 05 00 00 ff 00 00 00"),
                enc("w8 ^= 0", a -> a.xor32(R8, 0), "a4 08 00 00 00 00 00 00"),
                enc("w9 = 1", a -> a.mov32(R9, 1), "b4 09 00 00 01 00 00 00"),
                enc("w9 = 0xffffffff", a -> a.mov32(R9, -1), "b4 09 00 00 ff ff ff ff"),

                // LLVM llvm/test/CodeGen/BPF/assembler-disassembler.s (--mcpu=v3)
                enc("r1 %= 42", a -> a.mod(R1, 42), "97 01 00 00 2a 00 00 00"),
                enc("r1 s>>= 42", a -> a.arsh(R1, 42), "c7 01 00 00 2a 00 00 00"),
                enc("r1 s>>= r2", a -> a.arsh(R1, R2), "cf 21 00 00 00 00 00 00"),
                enc("r1 <<= 42", a -> a.lsh(R1, 42), "67 01 00 00 2a 00 00 00"),
                enc("w1 %= 42", a -> a.mod32(R1, 42), "94 01 00 00 2a 00 00 00"),
                enc("w1 %= w2", a -> a.mod32(R1, R2), "9c 21 00 00 00 00 00 00"),
                enc("w1 s>>= w2", a -> a.arsh32(R1, R2), "cc 21 00 00 00 00 00 00"),
                enc("w1 = 42", a -> a.mov32(R1, 42), "b4 01 00 00 2a 00 00 00"),
                enc("r1 = 42 ll", a -> a.lddw(R1, 42), "18 01 00 00 2a 00 00 00 00 00 00 00 00 00 00 00"),
                enc("r1 = le16 r1", a -> a.le16(R1), "d4 01 00 00 10 00 00 00"),
                enc("r2 = le32 r2", a -> a.le32(R2), "d4 02 00 00 20 00 00 00"),
                enc("r3 = le64 r3", a -> a.le64(R3), "d4 03 00 00 40 00 00 00"),
                enc("call +42", a -> a.call(Helper.GET_NUMA_NODE_ID), "85 00 00 00 2a 00 00 00"),
                enc("r1 = *(u64*)(r2 + 42)", a -> a.ldx(Size.DW, R1, R2, 42), "79 21 2a 00 00 00 00 00"),
                enc("*(u64*)(r2 + 42) = r1", a -> a.stx(Size.DW, R2, 42, R1), "7b 12 2a 00 00 00 00 00"),
                enc("lock *(u32*)(r1 + 1) &= w2", a -> a.atomic(AtomicOp.AND, Size.W, R1, 1, R2), "c3 21 01 00 50 00 00 00"),
                enc("lock *(u32*)(r1 + 1) |= w2", a -> a.atomic(AtomicOp.OR, Size.W, R1, 1, R2), "c3 21 01 00 40 00 00 00"),
                enc("lock *(u32*)(r1 + 1) ^= w2", a -> a.atomic(AtomicOp.XOR, Size.W, R1, 1, R2), "c3 21 01 00 a0 00 00 00"),
                enc("lock *(u64*)(r1 + 1) += r2", a -> a.atomicAdd(Size.DW, R1, 1, R2), "db 21 01 00 00 00 00 00"),
                enc("lock *(u64*)(r1 + 1) &= r2", a -> a.atomic(AtomicOp.AND, Size.DW, R1, 1, R2), "db 21 01 00 50 00 00 00"),
                enc("w0 = atomic_fetch_and((u32 *)(r1 + 0), w0)",
                        a -> a.atomic(AtomicOp.FETCH_AND, Size.W, R1, 0, R0), "c3 01 00 00 51 00 00 00"),
                enc("r0 = atomic_fetch_or((u64 *)(r1 + 0), r0)",
                        a -> a.atomic(AtomicOp.FETCH_OR, Size.DW, R1, 0, R0), "db 01 00 00 41 00 00 00"),
                enc("r0 = atomic_fetch_xor((u64 *)(r1 + 0), r0)",
                        a -> a.atomic(AtomicOp.FETCH_XOR, Size.DW, R1, 0, R0), "db 01 00 00 a1 00 00 00"),
                enc("w0 = xchg32_32(r1 + 0, w0)", a -> a.atomic(AtomicOp.XCHG, Size.W, R1, 0, R0), "c3 01 00 00 e1 00 00 00"),
                enc("r0 = cmpxchg_64(r1 + 0, r0, r1)", a -> a.atomic(AtomicOp.CMPXCHG, Size.DW, R1, 0, R1),
                        "db 11 00 00 f1 00 00 00"),

                // LLVM llvm/test/CodeGen/BPF/atomics_2.ll (llc -mcpu=v3 -show-mc-encoding)
                enc("w0 = atomic_fetch_add((u32 *)(r1 + 0), w0)", a -> a.atomicFetchAdd(Size.W, R1, 0, R0),
                        "c3 01 00 00 01 00 00 00"),
                enc("r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)", a -> a.atomicFetchAdd(Size.DW, R1, 0, R0),
                        "db 01 00 00 01 00 00 00"),
                enc("r0 = xchg_64(r1 + 0, r0)", a -> a.atomic(AtomicOp.XCHG, Size.DW, R1, 0, R0), "db 01 00 00 e1 00 00 00"),
                enc("r0 = cmpxchg_64(r1 + 0, r0, r3)", a -> a.atomic(AtomicOp.CMPXCHG, Size.DW, R1, 0, R3),
                        "db 31 00 00 f1 00 00 00"),

                // binutils gas/testsuite/gas/bpf/mem.d (objdump -M hex)
                enc("stb [%r1+0x7eef],0x11223344", a -> a.stb(R1, 0x7eef, 0x11223344), "72 01 ef 7e 44 33 22 11"),
                enc("sth [%r1+0x7eef],0x11223344", a -> a.sth(R1, 0x7eef, 0x11223344), "6a 01 ef 7e 44 33 22 11"),
                enc("stw [%r1+0x7eef],0x11223344", a -> a.stw(R1, 0x7eef, 0x11223344), "62 01 ef 7e 44 33 22 11"),
                enc("stdw [%r1+0xfffe],0x11223344", a -> a.stdw(R1, -2, 0x11223344), "7a 01 fe ff 44 33 22 11"),

                // include/linux/filter.h BPF_LD_MAP_FD(DST, MAP_FD) = BPF_LD_IMM64_RAW(DST, BPF_PSEUDO_MAP_FD,
                // MAP_FD): src_reg 1, low half of the fd in the first slot, 0 in the second (fd 5 here).
                enc("BPF_LD_MAP_FD(BPF_REG_1, 5)", a -> a.ldMapFd(R1, "m"),
                        "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00"),
                // BPF_LD_IMM64_RAW(DST, BPF_PSEUDO_MAP_VALUE, fd) with the value offset in the second imm.
                enc("BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_MAP_VALUE, 5), off 8", a -> a.ldMapValue(R2, "m", 8),
                        "18 22 00 00 05 00 00 00 00 00 00 00 08 00 00 00"));
    }

    static Stream<Arguments> jumps() {
        return Stream.of(
                // LLVM llvm/test/MC/BPF/insn-unit.s
                jmp("if r1 & r2 goto +29", (a, l) -> a.jset(R1, R2, l), "4d 21 1d 00 00 00 00 00"),
                jmp("if r1 & 0xffff goto +28", (a, l) -> a.jset(R1, 0xffff, l), "45 01 1c 00 ff ff 00 00"),
                jmp("goto +27", Assembler::ja, "05 00 1b 00 00 00 00 00"),
                jmp("if r0 == r1 goto +24", (a, l) -> a.jeq(R0, R1, l), "1d 10 18 00 00 00 00 00"),
                jmp("if r3 != r4 goto +23", (a, l) -> a.jne(R3, R4, l), "5d 43 17 00 00 00 00 00"),
                jmp("if r1 > r2 goto +22", (a, l) -> a.jgt(R1, R2, l), "2d 21 16 00 00 00 00 00"),
                jmp("if r2 >= r3 goto +21", (a, l) -> a.jge(R2, R3, l), "3d 32 15 00 00 00 00 00"),
                jmp("if r4 s> r5 goto +20", (a, l) -> a.jsgt(R4, R5, l), "6d 54 14 00 00 00 00 00"),
                jmp("if r5 s>= r6 goto +19", (a, l) -> a.jsge(R5, R6, l), "7d 65 13 00 00 00 00 00"),
                jmp("if r6 < r7 goto +18", (a, l) -> a.jlt(R6, R7, l), "ad 76 12 00 00 00 00 00"),
                jmp("if r7 <= r8 goto +17", (a, l) -> a.jle(R7, R8, l), "bd 87 11 00 00 00 00 00"),
                jmp("if r8 s< r9 goto +16", (a, l) -> a.jslt(R8, R9, l), "cd 98 10 00 00 00 00 00"),
                jmp("if r9 s<= r10 goto +15", (a, l) -> a.jsle(R9, R10, l), "dd a9 0f 00 00 00 00 00"),
                jmp("if r0 == 0 goto +14", (a, l) -> a.jeq(R0, 0, l), "15 00 0e 00 00 00 00 00"),
                jmp("if r3 != -1 goto +13", (a, l) -> a.jne(R3, -1, l), "55 03 0d 00 ff ff ff ff"),
                jmp("if r1 > 64 goto +12", (a, l) -> a.jgt(R1, 64, l), "25 01 0c 00 40 00 00 00"),
                jmp("if r2 >= 0xffffffff goto +11", (a, l) -> a.jge(R2, -1, l), "35 02 0b 00 ff ff ff ff"),
                jmp("if r4 s> 0xffffffff goto +10", (a, l) -> a.jsgt(R4, -1, l), "65 04 0a 00 ff ff ff ff"),
                jmp("if r5 s>= 0x7fffffff goto +9", (a, l) -> a.jsge(R5, 0x7fffffff, l), "75 05 09 00 ff ff ff 7f"),
                jmp("if r6 < 0xff goto +8", (a, l) -> a.jlt(R6, 0xff, l), "a5 06 08 00 ff 00 00 00"),
                jmp("if r7 <= 0xffff goto +7", (a, l) -> a.jle(R7, 0xffff, l), "b5 07 07 00 ff ff 00 00"),
                jmp("if r8 s< 0 goto +6", (a, l) -> a.jslt(R8, 0, l), "c5 08 06 00 00 00 00 00"),
                jmp("if r9 s<= -1 goto +5", (a, l) -> a.jsle(R9, -1, l), "d5 09 05 00 ff ff ff ff"),

                // LLVM llvm/test/MC/BPF/insn-unit-32.s: JMP32, forward and backward
                jmp("if w1 & w2 goto +13", (a, l) -> a.jset32(R1, R2, l), "4e 21 0d 00 00 00 00 00"),
                jmp("if w1 & 0xff goto +12", (a, l) -> a.jset32(R1, 0xff, l), "46 01 0c 00 ff 00 00 00"),
                jmp("if w0 == w1 goto +11", (a, l) -> a.jeq32(R0, R1, l), "1e 10 0b 00 00 00 00 00"),
                jmp("if w3 != w4 goto +10", (a, l) -> a.jne32(R3, R4, l), "5e 43 0a 00 00 00 00 00"),
                jmp("if w1 > w2 goto +9", (a, l) -> a.jgt32(R1, R2, l), "2e 21 09 00 00 00 00 00"),
                jmp("if w2 >= w3 goto +8", (a, l) -> a.jge32(R2, R3, l), "3e 32 08 00 00 00 00 00"),
                jmp("if w4 s> w5 goto +7", (a, l) -> a.jsgt32(R4, R5, l), "6e 54 07 00 00 00 00 00"),
                jmp("if w5 s>= w6 goto +6", (a, l) -> a.jsge32(R5, R6, l), "7e 65 06 00 00 00 00 00"),
                jmp("if w6 < w7 goto +5", (a, l) -> a.jlt32(R6, R7, l), "ae 76 05 00 00 00 00 00"),
                jmp("if w7 <= w8 goto +4", (a, l) -> a.jle32(R7, R8, l), "be 87 04 00 00 00 00 00"),
                jmp("if w8 s< w9 goto +3", (a, l) -> a.jslt32(R8, R9, l), "ce 98 03 00 00 00 00 00"),
                jmp("if w9 s<= w10 goto +2", (a, l) -> a.jsle32(R9, R10, l), "de a9 02 00 00 00 00 00"),
                jmp("if w0 == 0 goto +1", (a, l) -> a.jeq32(R0, 0, l), "16 00 01 00 00 00 00 00"),
                jmp("if w3 != -1 goto +0", (a, l) -> a.jne32(R3, -1, l), "56 03 00 00 ff ff ff ff"),
                jmp("if w1 > 64 goto -1", (a, l) -> a.jgt32(R1, 64, l), "26 01 ff ff 40 00 00 00"),
                jmp("if w2 >= 0xffffffff goto -2", (a, l) -> a.jge32(R2, -1, l), "36 02 fe ff ff ff ff ff"),
                jmp("if w4 s> 0xffffffff goto -3", (a, l) -> a.jsgt32(R4, -1, l), "66 04 fd ff ff ff ff ff"),
                jmp("if w5 s>= 0x7fffffff goto -4", (a, l) -> a.jsge32(R5, 0x7fffffff, l), "76 05 fc ff ff ff ff 7f"),
                jmp("if w6 < 0xff goto -5", (a, l) -> a.jlt32(R6, 0xff, l), "a6 06 fb ff ff 00 00 00"),
                jmp("if w7 <= 0xffff goto -6", (a, l) -> a.jle32(R7, 0xffff, l), "b6 07 fa ff ff ff 00 00"),
                jmp("if w8 s< 0 goto -7", (a, l) -> a.jslt32(R8, 0, l), "c6 08 f9 ff 00 00 00 00"),
                jmp("if w9 s<= -1 goto -8", (a, l) -> a.jsle32(R9, -1, l), "d6 09 f8 ff ff ff ff ff"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("instructions")
    void encodesLikeTheReference(String reference, UnaryOperator<Assembler> build, String expected) {
        byte[] code = build.apply(new Assembler()).assemble().encode(map -> 5);

        assertThat(HEX.formatHex(code)).isEqualTo(expected);
    }

    /**
     * The jump is assembled with its label placed so that the offset is the reference's, forward
     * or backward, and only the jump's own slot is compared.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jumps")
    void encodesJumpsLikeTheReference(String reference, BiFunction<Assembler, String, Assembler> jump, String expected) {
        byte[] bytes = HEX.parseHex(expected);
        int offset = (short) ((bytes[2] & 0xff) | (bytes[3] & 0xff) << 8);
        Assembler a = new Assembler();
        int jumpSlot;
        if (offset >= 0) {
            jumpSlot = 0;
            jump.apply(a, "target");
            fill(a, offset);
            a.label("target").exit();
        } else {
            a.label("target");
            jumpSlot = -offset - 1;
            fill(a, jumpSlot);
            jump.apply(a, "target");
        }

        byte[] code = a.assemble().encode(map -> 5);

        assertThat(HEX.formatHex(code, jumpSlot * 8, jumpSlot * 8 + 8)).isEqualTo(expected);
    }

    private static void fill(Assembler a, int n) {
        for (int i = 0; i < n; i++) {
            a.mov(R0, 0);
        }
    }

    private static Arguments enc(String reference, UnaryOperator<Assembler> build, String hex) {
        return Arguments.of(reference, build, hex);
    }

    private static Arguments jmp(String reference, BiFunction<Assembler, String, Assembler> jump, String hex) {
        return Arguments.of(reference, jump, hex);
    }
}
