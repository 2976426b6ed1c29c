package dev.tollgate.bpf.asm;

/** The width of a memory access. */
public enum Size {
    B(OpCode.B, 1, "u8"),
    H(OpCode.H, 2, "u16"),
    W(OpCode.W, 4, "u32"),
    DW(OpCode.DW, 8, "u64");

    private final int code;
    private final int bytes;
    private final String cType;

    Size(int code, int bytes, String cType) {
        this.code = code;
        this.bytes = bytes;
        this.cType = cType;
    }

    /** The size bits of the opcode. */
    public int code() {
        return code;
    }

    public int bytes() {
        return bytes;
    }

    /** The C type the kernel's disassembler prints for the access, e.g. {@code u64}. */
    public String cType() {
        return cType;
    }
}
