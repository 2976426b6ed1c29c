package dev.tollgate.bpf.asm;

/**
 * The eleven eBPF registers. R0 holds return values (of helpers and of the program), R1..R5
 * carry helper arguments and are clobbered by a call, R6..R9 survive calls, and R10 is the
 * read-only frame pointer to the top of the 512-byte stack.
 */
public enum Register {
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10;

    /** The read-only frame pointer; the stack lies below it (negative offsets). */
    public static final Register FRAME_POINTER = R10;

    private static final Register[] BY_NUMBER = values();

    /** The register's number as encoded in an instruction's 4-bit dst/src field. */
    public int number() {
        return ordinal();
    }

    public boolean isFramePointer() {
        return this == R10;
    }

    /** The register numbered {@code n}; throws for numbers the kernel does not accept (11..15). */
    public static Register of(int n) {
        if (n < 0 || n >= BY_NUMBER.length) {
            throw new IllegalArgumentException("no eBPF register r" + n + " (valid: r0..r10)");
        }
        return BY_NUMBER[n];
    }

    /** The name the kernel's disassembler uses, e.g. {@code r6}. */
    @Override
    public String toString() {
        return "r" + ordinal();
    }
}
