package dev.tollgate.bpf.asm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One 8-byte slot of eBPF bytecode, {@code struct bpf_insn}: opcode, destination and source
 * register (4 bits each), a signed 16-bit offset and a signed 32-bit immediate.
 *
 * <p>A 64-bit immediate load ({@code lddw}, opcode {@link OpCode#LD_IMM64}) spans two slots: the
 * first carries the low 32 bits in {@code imm}, the second is all zero but for the high 32 bits in
 * its {@code imm}. Each slot is its own {@code Instruction}, as in the kernel.
 */
public record Instruction(byte opcode, Register dst, Register src, short offset, int imm) {
    /** Bytes per slot. */
    public static final int SIZE = 8;

    public Instruction {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(src, "src");
    }

    /** Builds a slot from an opcode given as an int (only its low 8 bits are kept). */
    public static Instruction of(int opcode, Register dst, Register src, int offset, int imm) {
        return new Instruction((byte) opcode, dst, src, toShort(offset, "offset"), imm);
    }

    /** The opcode as an unsigned value 0..255. */
    public int code() {
        return opcode & 0xff;
    }

    public int instructionClass() {
        return OpCode.classOf(code());
    }

    /** Whether this is the first slot of a two-slot 64-bit immediate load. */
    public boolean isLoadImm64() {
        return code() == OpCode.LD_IMM64;
    }

    public Instruction withOffset(short newOffset) {
        return new Instruction(opcode, dst, src, newOffset, imm);
    }

    public Instruction withImm(int newImm) {
        return new Instruction(opcode, dst, src, offset, newImm);
    }

    /** The 8 bytes of this slot in the kernel's (little-endian) layout. */
    public byte[] encode() {
        byte[] out = new byte[SIZE];
        encodeTo(out, 0);
        return out;
    }

    /** Writes the 8 bytes of this slot into {@code out} at byte {@code at}. */
    public void encodeTo(byte[] out, int at) {
        out[at] = opcode;
        // struct bpf_insn declares dst_reg:4 before src_reg:4; on little endian that is the low nibble.
        out[at + 1] = (byte) (src.number() << 4 | dst.number());
        out[at + 2] = (byte) offset;
        out[at + 3] = (byte) (offset >> 8);
        out[at + 4] = (byte) imm;
        out[at + 5] = (byte) (imm >> 8);
        out[at + 6] = (byte) (imm >> 16);
        out[at + 7] = (byte) (imm >> 24);
    }

    /** Reads the slot at byte {@code at} of {@code code}. */
    public static Instruction decode(byte[] code, int at) {
        if (at < 0 || at + SIZE > code.length) {
            throw new IllegalArgumentException(
                    "no 8-byte instruction at byte " + at + " of " + code.length + " bytes");
        }
        int regs = code[at + 1] & 0xff;
        short offset = (short) ((code[at + 2] & 0xff) | (code[at + 3] & 0xff) << 8);
        int imm = (code[at + 4] & 0xff) | (code[at + 5] & 0xff) << 8
                | (code[at + 6] & 0xff) << 16 | (code[at + 7] & 0xff) << 24;
        return new Instruction(code[at], register(regs & 0x0f, at), register(regs >>> 4, at), offset, imm);
    }

    /** Reads every slot of {@code code}, whose length must be a multiple of 8. */
    public static List<Instruction> decodeAll(byte[] code) {
        if (code.length % SIZE != 0) {
            throw new IllegalArgumentException(
                    "bytecode length " + code.length + " is not a multiple of " + SIZE);
        }
        List<Instruction> out = new ArrayList<>(code.length / SIZE);
        for (int at = 0; at < code.length; at += SIZE) {
            out.add(decode(code, at));
        }
        return List.copyOf(out);
    }

    private static Register register(int n, int at) {
        if (n > Register.R10.number()) {
            throw new IllegalArgumentException("invalid register r" + n + " in slot " + at / SIZE);
        }
        return Register.of(n);
    }

    static short toShort(int value, String what) {
        if (value < Short.MIN_VALUE || value > Short.MAX_VALUE) {
            throw new IllegalArgumentException(
                    what + " " + value + " does not fit in 16 bits (" + Short.MIN_VALUE + ".." + Short.MAX_VALUE + ")");
        }
        return (short) value;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Instruction[op=0x%02x dst=%s src=%s off=%d imm=%d]", code(), dst, src, offset, imm);
    }
}
