package dev.tollgate.bpf.sys;

import dev.tollgate.libc.SystemCall;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * bpf(2), through the libc module's syscall(2) with errno captured (the C library has no wrapper).
 */
public final class BpfSyscall {
    /** SYS_bpf for this architecture. */
    public static final long SYS_BPF = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "arm64", "riscv64", "loongarch64" -> 280;
        case "ppc64le", "ppc64" -> 361;
        case "s390x" -> 351;
        default -> throw new ExceptionInInitializerError(
                "tollgate does not know SYS_bpf on " + System.getProperty("os.arch"));
    };

    /** Each thread's errno capture buffer: one per call would be an arena and a malloc per bpf(2). */
    private static final ThreadLocal<MemorySegment> CALL_STATE = ThreadLocal.withInitial(() -> SystemCall.newState(Arena.ofAuto()));

    private BpfSyscall() {}

    /** bpf(2): returns the result, or {@code -errno}. */
    public static long bpf(int command, MemorySegment attr, long size) {
        return SystemCall.call(CALL_STATE.get(), SYS_BPF, command, attr.address(), size);
    }
}
