package dev.tollgate.bpf.asm;

/**
 * Atomic read-modify-write operations ({@code STX | ATOMIC}, word or double word). The plain
 * forms only update memory; the fetch forms also put the old value in the source register;
 * {@code CMPXCHG} compares with R0 and puts the old value in R0.
 */
public enum AtomicOp {
    ADD(OpCode.ADD),
    OR(OpCode.OR),
    AND(OpCode.AND),
    XOR(OpCode.XOR),
    FETCH_ADD(OpCode.ADD | OpCode.FETCH),
    FETCH_OR(OpCode.OR | OpCode.FETCH),
    FETCH_AND(OpCode.AND | OpCode.FETCH),
    FETCH_XOR(OpCode.XOR | OpCode.FETCH),
    XCHG(OpCode.XCHG),
    CMPXCHG(OpCode.CMPXCHG);

    private final int imm;

    AtomicOp(int imm) {
        this.imm = imm;
    }

    /** The value of the instruction's immediate that selects this operation. */
    public int imm() {
        return imm;
    }

    /** Whether the operation writes the old memory value back into the source register. */
    boolean writesSource() {
        return (imm & OpCode.FETCH) != 0 && this != CMPXCHG;
    }
}
