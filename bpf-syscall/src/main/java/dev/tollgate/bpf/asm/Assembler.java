package dev.tollgate.bpf.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Builds an eBPF program instruction by instruction, with named jump targets and map loads by
 * name, then resolves both in {@link #assemble()}.
 *
 * <pre>{@code
 * Instructions prog = new Assembler()
 *         .mov(R6, R1)
 *         .ldMapFd(R1, "counters")
 *         .mov(R2, R10).add(R2, -4)
 *         .call(Helper.MAP_LOOKUP_ELEM)
 *         .jeq(R0, 0, "out")
 *         .mov(R1, 1).atomicAdd(Size.DW, R0, 0, R1)
 *         .label("out")
 *         .mov(R0, 1).exit()
 *         .assemble();
 * }</pre>
 *
 * <p>Methods named after an operation are the 64-bit forms; a {@code 32} suffix gives the 32-bit
 * form (class ALU or JMP32), which operates on the low halves and zeroes the upper half of the
 * destination. Immediates are 32 bits and are sign-extended by 64-bit operations; use
 * {@link #lddw} for other 64-bit constants.
 *
 * <p>Mistakes the verifier would reject later and that are visible here — writing the frame
 * pointer, dividing by an immediate zero, shifting by at least the operand width, offsets beyond
 * 16 bits — are refused at once with an {@link IllegalArgumentException}. Label problems surface in
 * {@link #assemble()} as an {@link IllegalStateException} naming the label.
 */
public final class Assembler {
    private final List<Instruction> slots = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    /** Slot of each jump → the label it targets. */
    private final Map<Integer, String> jumps = new LinkedHashMap<>();
    /** Slot of each map-loading lddw → the map's name. */
    private final Map<Integer, String> mapLoads = new LinkedHashMap<>();

    /** An empty program, to which the methods below append. */
    public Assembler() {}

    // ---- labels and raw instructions

    /** Names the next instruction, so that jumps can target it. Names are unique per program. */
    public Assembler label(String name) {
        requireLabelName(name);
        Integer previous = labels.putIfAbsent(name, slots.size());
        if (previous != null) {
            throw new IllegalArgumentException(
                    "duplicate label '" + name + "' (already marks instruction " + previous + ")");
        }
        return this;
    }

    /**
     * Appends a slot as it is, unchecked: for instructions this class has no method for. A 64-bit
     * immediate load needs both of its slots emitted this way, in order.
     */
    public Assembler emit(Instruction insn) {
        slots.add(Objects.requireNonNull(insn, "insn"));
        return this;
    }

    // ---- arithmetic, generic

    /** {@code dst op= src} on 64 bits. */
    public Assembler alu64(AluOp op, Register dst, Register src) {
        return alu(OpCode.ALU64, op, dst, src);
    }

    /** {@code dst op= imm} on 64 bits, {@code imm} sign-extended. */
    public Assembler alu64(AluOp op, Register dst, int imm) {
        return alu(OpCode.ALU64, op, dst, imm);
    }

    /** {@code dst op= src} on the low 32 bits; the upper 32 bits of {@code dst} become zero. */
    public Assembler alu32(AluOp op, Register dst, Register src) {
        return alu(OpCode.ALU, op, dst, src);
    }

    /** {@code dst op= imm} on the low 32 bits; the upper 32 bits of {@code dst} become zero. */
    public Assembler alu32(AluOp op, Register dst, int imm) {
        return alu(OpCode.ALU, op, dst, imm);
    }

    private Assembler alu(int cls, AluOp op, Register dst, Register src) {
        Objects.requireNonNull(op, "op");
        writable(dst);
        Objects.requireNonNull(src, "src");
        return add(cls | op.code() | OpCode.X, dst, src, 0, 0);
    }

    private Assembler alu(int cls, AluOp op, Register dst, int imm) {
        Objects.requireNonNull(op, "op");
        writable(dst);
        if (op.isDivision() && imm == 0) {
            throw new IllegalArgumentException(op.name().toLowerCase(Locale.ROOT) + " by immediate 0");
        }
        int width = cls == OpCode.ALU64 ? 64 : 32;
        if (op.isShift() && (imm < 0 || imm >= width)) {
            throw new IllegalArgumentException(
                    "shift by " + imm + " is out of range for " + width + "-bit " + op.name().toLowerCase(Locale.ROOT));
        }
        return add(cls | op.code() | OpCode.K, dst, Register.R0, 0, imm);
    }

    // ---- arithmetic, 64-bit

    public Assembler add(Register dst, Register src) { return alu64(AluOp.ADD, dst, src); }
    public Assembler add(Register dst, int imm) { return alu64(AluOp.ADD, dst, imm); }
    public Assembler sub(Register dst, Register src) { return alu64(AluOp.SUB, dst, src); }
    public Assembler sub(Register dst, int imm) { return alu64(AluOp.SUB, dst, imm); }
    public Assembler mul(Register dst, Register src) { return alu64(AluOp.MUL, dst, src); }
    public Assembler mul(Register dst, int imm) { return alu64(AluOp.MUL, dst, imm); }
    /** Unsigned division; a zero divisor register yields 0 at run time. */
    public Assembler div(Register dst, Register src) { return alu64(AluOp.DIV, dst, src); }
    public Assembler div(Register dst, int imm) { return alu64(AluOp.DIV, dst, imm); }
    public Assembler or(Register dst, Register src) { return alu64(AluOp.OR, dst, src); }
    public Assembler or(Register dst, int imm) { return alu64(AluOp.OR, dst, imm); }
    public Assembler and(Register dst, Register src) { return alu64(AluOp.AND, dst, src); }
    public Assembler and(Register dst, int imm) { return alu64(AluOp.AND, dst, imm); }
    public Assembler lsh(Register dst, Register src) { return alu64(AluOp.LSH, dst, src); }
    public Assembler lsh(Register dst, int imm) { return alu64(AluOp.LSH, dst, imm); }
    public Assembler rsh(Register dst, Register src) { return alu64(AluOp.RSH, dst, src); }
    public Assembler rsh(Register dst, int imm) { return alu64(AluOp.RSH, dst, imm); }
    /** Unsigned remainder; a zero divisor register leaves dst unchanged at run time. */
    public Assembler mod(Register dst, Register src) { return alu64(AluOp.MOD, dst, src); }
    public Assembler mod(Register dst, int imm) { return alu64(AluOp.MOD, dst, imm); }
    public Assembler xor(Register dst, Register src) { return alu64(AluOp.XOR, dst, src); }
    public Assembler xor(Register dst, int imm) { return alu64(AluOp.XOR, dst, imm); }
    public Assembler mov(Register dst, Register src) { return alu64(AluOp.MOV, dst, src); }
    public Assembler mov(Register dst, int imm) { return alu64(AluOp.MOV, dst, imm); }
    public Assembler arsh(Register dst, Register src) { return alu64(AluOp.ARSH, dst, src); }
    public Assembler arsh(Register dst, int imm) { return alu64(AluOp.ARSH, dst, imm); }

    /** {@code dst = -dst} on 64 bits. */
    public Assembler neg(Register dst) {
        writable(dst);
        return add(OpCode.ALU64 | OpCode.NEG, dst, Register.R0, 0, 0);
    }

    // ---- arithmetic, 32-bit

    public Assembler add32(Register dst, Register src) { return alu32(AluOp.ADD, dst, src); }
    public Assembler add32(Register dst, int imm) { return alu32(AluOp.ADD, dst, imm); }
    public Assembler sub32(Register dst, Register src) { return alu32(AluOp.SUB, dst, src); }
    public Assembler sub32(Register dst, int imm) { return alu32(AluOp.SUB, dst, imm); }
    public Assembler mul32(Register dst, Register src) { return alu32(AluOp.MUL, dst, src); }
    public Assembler mul32(Register dst, int imm) { return alu32(AluOp.MUL, dst, imm); }
    public Assembler div32(Register dst, Register src) { return alu32(AluOp.DIV, dst, src); }
    public Assembler div32(Register dst, int imm) { return alu32(AluOp.DIV, dst, imm); }
    public Assembler or32(Register dst, Register src) { return alu32(AluOp.OR, dst, src); }
    public Assembler or32(Register dst, int imm) { return alu32(AluOp.OR, dst, imm); }
    public Assembler and32(Register dst, Register src) { return alu32(AluOp.AND, dst, src); }
    public Assembler and32(Register dst, int imm) { return alu32(AluOp.AND, dst, imm); }
    public Assembler lsh32(Register dst, Register src) { return alu32(AluOp.LSH, dst, src); }
    public Assembler lsh32(Register dst, int imm) { return alu32(AluOp.LSH, dst, imm); }
    public Assembler rsh32(Register dst, Register src) { return alu32(AluOp.RSH, dst, src); }
    public Assembler rsh32(Register dst, int imm) { return alu32(AluOp.RSH, dst, imm); }
    public Assembler mod32(Register dst, Register src) { return alu32(AluOp.MOD, dst, src); }
    public Assembler mod32(Register dst, int imm) { return alu32(AluOp.MOD, dst, imm); }
    public Assembler xor32(Register dst, Register src) { return alu32(AluOp.XOR, dst, src); }
    public Assembler xor32(Register dst, int imm) { return alu32(AluOp.XOR, dst, imm); }
    public Assembler mov32(Register dst, Register src) { return alu32(AluOp.MOV, dst, src); }
    public Assembler mov32(Register dst, int imm) { return alu32(AluOp.MOV, dst, imm); }
    public Assembler arsh32(Register dst, Register src) { return alu32(AluOp.ARSH, dst, src); }
    public Assembler arsh32(Register dst, int imm) { return alu32(AluOp.ARSH, dst, imm); }

    /** {@code dst = -dst} on the low 32 bits. */
    public Assembler neg32(Register dst) {
        writable(dst);
        return add(OpCode.ALU | OpCode.NEG, dst, Register.R0, 0, 0);
    }

    // ---- byte order

    /** Converts the low 16 bits of dst from host to big-endian (network) order, zeroing the rest. */
    public Assembler be16(Register dst) { return endian(OpCode.ALU | OpCode.TO_BE, dst, 16); }
    public Assembler be32(Register dst) { return endian(OpCode.ALU | OpCode.TO_BE, dst, 32); }
    public Assembler be64(Register dst) { return endian(OpCode.ALU | OpCode.TO_BE, dst, 64); }
    /** Converts the low 16 bits of dst from host to little-endian order, zeroing the rest. */
    public Assembler le16(Register dst) { return endian(OpCode.ALU | OpCode.TO_LE, dst, 16); }
    public Assembler le32(Register dst) { return endian(OpCode.ALU | OpCode.TO_LE, dst, 32); }
    public Assembler le64(Register dst) { return endian(OpCode.ALU | OpCode.TO_LE, dst, 64); }
    /** Unconditional byte swap of the low 16 bits (cpu v4, kernel 6.6). */
    public Assembler bswap16(Register dst) { return endian(OpCode.ALU64, dst, 16); }
    public Assembler bswap32(Register dst) { return endian(OpCode.ALU64, dst, 32); }
    public Assembler bswap64(Register dst) { return endian(OpCode.ALU64, dst, 64); }

    private Assembler endian(int classAndSource, Register dst, int bits) {
        writable(dst);
        return add(classAndSource | OpCode.END, dst, Register.R0, 0, bits);
    }

    // ---- memory

    /** {@code dst = *(size *)(src + offset)}, zero-extended. */
    public Assembler ldx(Size size, Register dst, Register src, int offset) {
        Objects.requireNonNull(size, "size");
        writable(dst);
        Objects.requireNonNull(src, "src");
        return add(OpCode.LDX | OpCode.MEM | size.code(), dst, src, offset, 0);
    }

    public Assembler ldxb(Register dst, Register src, int offset) { return ldx(Size.B, dst, src, offset); }
    public Assembler ldxh(Register dst, Register src, int offset) { return ldx(Size.H, dst, src, offset); }
    public Assembler ldxw(Register dst, Register src, int offset) { return ldx(Size.W, dst, src, offset); }
    public Assembler ldxdw(Register dst, Register src, int offset) { return ldx(Size.DW, dst, src, offset); }

    /** {@code *(size *)(dst + offset) = src}. */
    public Assembler stx(Size size, Register dst, int offset, Register src) {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(src, "src");
        return add(OpCode.STX | OpCode.MEM | size.code(), dst, src, offset, 0);
    }

    public Assembler stxb(Register dst, int offset, Register src) { return stx(Size.B, dst, offset, src); }
    public Assembler stxh(Register dst, int offset, Register src) { return stx(Size.H, dst, offset, src); }
    public Assembler stxw(Register dst, int offset, Register src) { return stx(Size.W, dst, offset, src); }
    public Assembler stxdw(Register dst, int offset, Register src) { return stx(Size.DW, dst, offset, src); }

    /** {@code *(size *)(dst + offset) = imm}; a double word gets {@code imm} sign-extended. */
    public Assembler st(Size size, Register dst, int offset, int imm) {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(dst, "dst");
        return add(OpCode.ST | OpCode.MEM | size.code(), dst, Register.R0, offset, imm);
    }

    public Assembler stb(Register dst, int offset, int imm) { return st(Size.B, dst, offset, imm); }
    public Assembler sth(Register dst, int offset, int imm) { return st(Size.H, dst, offset, imm); }
    public Assembler stw(Register dst, int offset, int imm) { return st(Size.W, dst, offset, imm); }
    public Assembler stdw(Register dst, int offset, int imm) { return st(Size.DW, dst, offset, imm); }

    /**
     * An atomic operation on {@code *(size *)(dst + offset)} with {@code src}; {@code size} must
     * be {@link Size#W} or {@link Size#DW}.
     */
    public Assembler atomic(AtomicOp op, Size size, Register dst, int offset, Register src) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(src, "src");
        if (size != Size.W && size != Size.DW) {
            throw new IllegalArgumentException("atomic operations work on W or DW, not " + size);
        }
        if (op.writesSource()) {
            writable(src);
        }
        return add(OpCode.STX | OpCode.ATOMIC | size.code(), dst, src, offset, op.imm());
    }

    /** {@code lock *(size *)(dst + offset) += src}: the classic XADD, for shared counters. */
    public Assembler atomicAdd(Size size, Register dst, int offset, Register src) {
        return atomic(AtomicOp.ADD, size, dst, offset, src);
    }

    /** Like {@link #atomicAdd}, and {@code src} receives the old value (kernel 5.12). */
    public Assembler atomicFetchAdd(Size size, Register dst, int offset, Register src) {
        return atomic(AtomicOp.FETCH_ADD, size, dst, offset, src);
    }

    // ---- 64-bit immediates and maps

    /** {@code dst = value}, any 64-bit value; takes two slots. */
    public Assembler lddw(Register dst, long value) {
        writable(dst);
        add(OpCode.LD_IMM64, dst, Register.R0, 0, (int) value);
        return add(0, Register.R0, Register.R0, 0, (int) (value >>> 32));
    }

    /**
     * {@code dst = &map}: loads a pointer to the map named {@code mapName}, whose fd
     * {@link Instructions#encode} fills in ({@code BPF_PSEUDO_MAP_FD}). Takes two slots.
     */
    public Assembler ldMapFd(Register dst, String mapName) {
        return mapLoad(dst, mapName, OpCode.PSEUDO_MAP_FD, 0);
    }

    /**
     * {@code dst = &map.value[0] + offset}: a direct pointer into the single value of an array map
     * with one entry ({@code BPF_PSEUDO_MAP_VALUE}, kernel 5.2). Takes two slots.
     */
    public Assembler ldMapValue(Register dst, String mapName, int offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("map value offset " + offset + " is negative");
        }
        return mapLoad(dst, mapName, OpCode.PSEUDO_MAP_VALUE, offset);
    }

    private Assembler mapLoad(Register dst, String mapName, int pseudo, int valueOffset) {
        writable(dst);
        if (mapName == null || mapName.isBlank()) {
            throw new IllegalArgumentException("map name must not be empty");
        }
        mapLoads.put(slots.size(), mapName);
        add(OpCode.LD_IMM64, dst, Register.of(pseudo), 0, 0);
        return add(0, Register.R0, Register.R0, 0, valueOffset);
    }

    // ---- jumps

    /** {@code goto label}. */
    public Assembler ja(String label) {
        return jumpTo(OpCode.JMP | OpCode.JA, Register.R0, Register.R0, 0, label);
    }

    /** {@code if dst op src goto label}, comparing 64 bits. */
    public Assembler jump(JumpOp op, Register dst, Register src, String label) {
        return conditional(OpCode.JMP, op, dst, src, label);
    }

    /** {@code if dst op imm goto label}, comparing 64 bits ({@code imm} sign-extended). */
    public Assembler jump(JumpOp op, Register dst, int imm, String label) {
        return conditional(OpCode.JMP, op, dst, imm, label);
    }

    /** {@code if wdst op wsrc goto label}, comparing the low 32 bits (kernel 5.1). */
    public Assembler jump32(JumpOp op, Register dst, Register src, String label) {
        return conditional(OpCode.JMP32, op, dst, src, label);
    }

    /** {@code if wdst op imm goto label}, comparing the low 32 bits (kernel 5.1). */
    public Assembler jump32(JumpOp op, Register dst, int imm, String label) {
        return conditional(OpCode.JMP32, op, dst, imm, label);
    }

    private Assembler conditional(int cls, JumpOp op, Register dst, Register src, String label) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(src, "src");
        return jumpTo(cls | op.code() | OpCode.X, dst, src, 0, label);
    }

    private Assembler conditional(int cls, JumpOp op, Register dst, int imm, String label) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(dst, "dst");
        return jumpTo(cls | op.code() | OpCode.K, dst, Register.R0, imm, label);
    }

    private Assembler jumpTo(int opcode, Register dst, Register src, int imm, String label) {
        requireLabelName(label);
        jumps.put(slots.size(), label);
        return add(opcode, dst, src, 0, imm);
    }

    public Assembler jeq(Register dst, Register src, String label) { return jump(JumpOp.JEQ, dst, src, label); }
    public Assembler jeq(Register dst, int imm, String label) { return jump(JumpOp.JEQ, dst, imm, label); }
    public Assembler jgt(Register dst, Register src, String label) { return jump(JumpOp.JGT, dst, src, label); }
    public Assembler jgt(Register dst, int imm, String label) { return jump(JumpOp.JGT, dst, imm, label); }
    public Assembler jge(Register dst, Register src, String label) { return jump(JumpOp.JGE, dst, src, label); }
    public Assembler jge(Register dst, int imm, String label) { return jump(JumpOp.JGE, dst, imm, label); }
    public Assembler jset(Register dst, Register src, String label) { return jump(JumpOp.JSET, dst, src, label); }
    public Assembler jset(Register dst, int imm, String label) { return jump(JumpOp.JSET, dst, imm, label); }
    public Assembler jne(Register dst, Register src, String label) { return jump(JumpOp.JNE, dst, src, label); }
    public Assembler jne(Register dst, int imm, String label) { return jump(JumpOp.JNE, dst, imm, label); }
    public Assembler jsgt(Register dst, Register src, String label) { return jump(JumpOp.JSGT, dst, src, label); }
    public Assembler jsgt(Register dst, int imm, String label) { return jump(JumpOp.JSGT, dst, imm, label); }
    public Assembler jsge(Register dst, Register src, String label) { return jump(JumpOp.JSGE, dst, src, label); }
    public Assembler jsge(Register dst, int imm, String label) { return jump(JumpOp.JSGE, dst, imm, label); }
    public Assembler jlt(Register dst, Register src, String label) { return jump(JumpOp.JLT, dst, src, label); }
    public Assembler jlt(Register dst, int imm, String label) { return jump(JumpOp.JLT, dst, imm, label); }
    public Assembler jle(Register dst, Register src, String label) { return jump(JumpOp.JLE, dst, src, label); }
    public Assembler jle(Register dst, int imm, String label) { return jump(JumpOp.JLE, dst, imm, label); }
    public Assembler jslt(Register dst, Register src, String label) { return jump(JumpOp.JSLT, dst, src, label); }
    public Assembler jslt(Register dst, int imm, String label) { return jump(JumpOp.JSLT, dst, imm, label); }
    public Assembler jsle(Register dst, Register src, String label) { return jump(JumpOp.JSLE, dst, src, label); }
    public Assembler jsle(Register dst, int imm, String label) { return jump(JumpOp.JSLE, dst, imm, label); }

    public Assembler jeq32(Register dst, Register src, String label) { return jump32(JumpOp.JEQ, dst, src, label); }
    public Assembler jeq32(Register dst, int imm, String label) { return jump32(JumpOp.JEQ, dst, imm, label); }
    public Assembler jgt32(Register dst, Register src, String label) { return jump32(JumpOp.JGT, dst, src, label); }
    public Assembler jgt32(Register dst, int imm, String label) { return jump32(JumpOp.JGT, dst, imm, label); }
    public Assembler jge32(Register dst, Register src, String label) { return jump32(JumpOp.JGE, dst, src, label); }
    public Assembler jge32(Register dst, int imm, String label) { return jump32(JumpOp.JGE, dst, imm, label); }
    public Assembler jset32(Register dst, Register src, String label) { return jump32(JumpOp.JSET, dst, src, label); }
    public Assembler jset32(Register dst, int imm, String label) { return jump32(JumpOp.JSET, dst, imm, label); }
    public Assembler jne32(Register dst, Register src, String label) { return jump32(JumpOp.JNE, dst, src, label); }
    public Assembler jne32(Register dst, int imm, String label) { return jump32(JumpOp.JNE, dst, imm, label); }
    public Assembler jsgt32(Register dst, Register src, String label) { return jump32(JumpOp.JSGT, dst, src, label); }
    public Assembler jsgt32(Register dst, int imm, String label) { return jump32(JumpOp.JSGT, dst, imm, label); }
    public Assembler jsge32(Register dst, Register src, String label) { return jump32(JumpOp.JSGE, dst, src, label); }
    public Assembler jsge32(Register dst, int imm, String label) { return jump32(JumpOp.JSGE, dst, imm, label); }
    public Assembler jlt32(Register dst, Register src, String label) { return jump32(JumpOp.JLT, dst, src, label); }
    public Assembler jlt32(Register dst, int imm, String label) { return jump32(JumpOp.JLT, dst, imm, label); }
    public Assembler jle32(Register dst, Register src, String label) { return jump32(JumpOp.JLE, dst, src, label); }
    public Assembler jle32(Register dst, int imm, String label) { return jump32(JumpOp.JLE, dst, imm, label); }
    public Assembler jslt32(Register dst, Register src, String label) { return jump32(JumpOp.JSLT, dst, src, label); }
    public Assembler jslt32(Register dst, int imm, String label) { return jump32(JumpOp.JSLT, dst, imm, label); }
    public Assembler jsle32(Register dst, Register src, String label) { return jump32(JumpOp.JSLE, dst, src, label); }
    public Assembler jsle32(Register dst, int imm, String label) { return jump32(JumpOp.JSLE, dst, imm, label); }

    // ---- calls

    /** Calls a helper: arguments in R1..R5, result in R0; R1..R5 are clobbered. */
    public Assembler call(Helper helper) {
        Objects.requireNonNull(helper, "helper");
        return add(OpCode.JMP | OpCode.CALL, Register.R0, Register.R0, 0, helper.id());
    }

    /** Calls the helper named {@code name}, with or without the {@code bpf_} prefix. */
    public Assembler call(String helperName) {
        return call(Helper.byName(helperName));
    }

    /** Returns R0 to the kernel. */
    public Assembler exit() {
        return add(OpCode.JMP | OpCode.EXIT, Register.R0, Register.R0, 0, 0);
    }

    // ---- result

    /**
     * Resolves every jump to its label and returns the program. The builder stays usable; a later
     * call sees the instructions added since.
     *
     * @throws IllegalStateException if the program is empty, a jump targets a label that was
     *     never defined or lies too far away, or a label marks the end of the program
     */
    public Instructions assemble() {
        if (slots.isEmpty()) {
            throw new IllegalStateException("the program has no instructions");
        }
        labels.forEach((name, at) -> {
            if (at == slots.size()) {
                throw new IllegalStateException(
                        "label '" + name + "' marks the end of the program; it must precede an instruction");
            }
        });
        List<Instruction> resolved = new ArrayList<>(slots);
        jumps.forEach((at, label) -> {
            Integer target = labels.get(label);
            if (target == null) {
                throw new IllegalStateException(
                        "jump at instruction " + at + " targets undefined label '" + label + "'");
            }
            // The kernel counts a jump's offset from the instruction after it.
            int delta = target - (at + 1);
            if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                throw new IllegalStateException("jump at instruction " + at + " to label '" + label
                        + "' spans " + delta + " instructions; a jump offset must fit in 16 bits ("
                        + Short.MIN_VALUE + ".." + Short.MAX_VALUE + ")");
            }
            resolved.set(at, resolved.get(at).withOffset((short) delta));
        });
        return new Instructions(resolved, mapLoads);
    }

    // ---- internals

    private Assembler add(int opcode, Register dst, Register src, int offset, int imm) {
        slots.add(Instruction.of(opcode, dst, src, offset, imm));
        return this;
    }

    private static void writable(Register dst) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isFramePointer()) {
            throw new IllegalArgumentException("r10 is the read-only frame pointer and cannot be written");
        }
    }

    private static void requireLabelName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("label name must not be empty");
        }
    }
}
