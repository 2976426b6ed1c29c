package dev.tollgate.bpf.asm;

/**
 * The bit fields of an eBPF opcode byte, named as in {@code include/uapi/linux/bpf_common.h} and
 * {@code bpf.h}. An opcode is {@code class | size | mode} for loads and stores, and
 * {@code class | op | source} for arithmetic and jumps.
 */
public final class OpCode {
    private OpCode() {
    }

    // Instruction classes (low three bits).
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int STX = 0x03;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int JMP32 = 0x06;
    public static final int ALU64 = 0x07;

    // Access sizes of loads and stores.
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    public static final int DW = 0x18;

    // Modes of loads and stores.
    public static final int IMM = 0x00;
    public static final int ABS = 0x20;
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    /** Sign-extending load (cpu v4). */
    public static final int MEMSX = 0x80;
    /** Atomic read-modify-write; the operation is in the immediate. Was called XADD. */
    public static final int ATOMIC = 0xc0;

    // Operand source of ALU and jump instructions.
    /** The immediate. */
    public static final int K = 0x00;
    /** The source register. */
    public static final int X = 0x08;
    /** Byte swap direction of {@link #END} in class ALU: to little endian. */
    public static final int TO_LE = 0x00;
    /** Byte swap direction of {@link #END} in class ALU: to big endian. */
    public static final int TO_BE = 0x08;

    // ALU operations.
    public static final int ADD = 0x00;
    public static final int SUB = 0x10;
    public static final int MUL = 0x20;
    public static final int DIV = 0x30;
    public static final int OR = 0x40;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int NEG = 0x80;
    public static final int MOD = 0x90;
    public static final int XOR = 0xa0;
    public static final int MOV = 0xb0;
    public static final int ARSH = 0xc0;
    public static final int END = 0xd0;

    // Jump operations.
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    public static final int JNE = 0x50;
    public static final int JSGT = 0x60;
    public static final int JSGE = 0x70;
    public static final int CALL = 0x80;
    public static final int EXIT = 0x90;
    public static final int JLT = 0xa0;
    public static final int JLE = 0xb0;
    public static final int JSLT = 0xc0;
    public static final int JSLE = 0xd0;
    /** Conditional pseudo jump; with src 0 it is {@code may_goto}. */
    public static final int JCOND = 0xe0;

    // Immediates of ATOMIC instructions besides the ALU operations ADD, OR, AND, XOR.
    public static final int FETCH = 0x01;
    public static final int XCHG = 0xe0 | FETCH;
    public static final int CMPXCHG = 0xf0 | FETCH;
    public static final int LOAD_ACQ = 0x100;
    public static final int STORE_REL = 0x110;

    /** The 64-bit immediate load: the only instruction that takes two 8-byte slots. */
    public static final int LD_IMM64 = LD | DW | IMM;

    // What the src field of a LD_IMM64 means when it is not 0.
    public static final int PSEUDO_MAP_FD = 1;
    public static final int PSEUDO_MAP_VALUE = 2;
    public static final int PSEUDO_BTF_ID = 3;
    public static final int PSEUDO_FUNC = 4;
    public static final int PSEUDO_MAP_IDX = 5;
    public static final int PSEUDO_MAP_IDX_VALUE = 6;

    // What the src field of a CALL means.
    public static final int PSEUDO_CALL = 1;
    public static final int PSEUDO_KFUNC_CALL = 2;

    public static int classOf(int opcode) {
        return opcode & 0x07;
    }

    public static int sizeOf(int opcode) {
        return opcode & 0x18;
    }

    public static int modeOf(int opcode) {
        return opcode & 0xe0;
    }

    public static int opOf(int opcode) {
        return opcode & 0xf0;
    }

    public static int sourceOf(int opcode) {
        return opcode & 0x08;
    }
}
