package dev.tollgate.bpf.asm;

/**
 * The two-operand arithmetic operations, each usable in 64-bit (ALU64) and 32-bit (ALU) form with
 * a register or an immediate source. {@code neg} and the byte swaps take one operand and have
 * their own methods on {@link Assembler}.
 */
public enum AluOp {
    ADD(OpCode.ADD),
    SUB(OpCode.SUB),
    MUL(OpCode.MUL),
    DIV(OpCode.DIV),
    OR(OpCode.OR),
    AND(OpCode.AND),
    LSH(OpCode.LSH),
    RSH(OpCode.RSH),
    MOD(OpCode.MOD),
    XOR(OpCode.XOR),
    MOV(OpCode.MOV),
    ARSH(OpCode.ARSH);

    private final int code;

    AluOp(int code) {
        this.code = code;
    }

    /** The operation bits of the opcode. */
    public int code() {
        return code;
    }

    boolean isShift() {
        return this == LSH || this == RSH || this == ARSH;
    }

    boolean isDivision() {
        return this == DIV || this == MOD;
    }
}
