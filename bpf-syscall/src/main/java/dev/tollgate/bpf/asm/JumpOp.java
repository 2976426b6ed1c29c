package dev.tollgate.bpf.asm;

/**
 * The conditional jumps. Each compares dst with a register or an immediate, as 64-bit (JMP) or
 * 32-bit (JMP32) values; the immediate is sign-extended to 64 bits in the 64-bit form.
 */
public enum JumpOp {
    JEQ(OpCode.JEQ),
    JGT(OpCode.JGT),
    JGE(OpCode.JGE),
    JSET(OpCode.JSET),
    JNE(OpCode.JNE),
    JSGT(OpCode.JSGT),
    JSGE(OpCode.JSGE),
    JLT(OpCode.JLT),
    JLE(OpCode.JLE),
    JSLT(OpCode.JSLT),
    JSLE(OpCode.JSLE);

    private final int code;

    JumpOp(int code) {
        this.code = code;
    }

    /** The operation bits of the opcode. */
    public int code() {
        return code;
    }
}
