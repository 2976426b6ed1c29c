package dev.tollgate.bpf.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one bpf(2) downcall, through syscall(2) with errno captured (the C library has no
 * wrapper). Every other call into the C library goes through the {@code libc} module.
 */
public final class BpfSyscall {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    private static final MethodHandle SYSCALL3 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(() -> new ExceptionInInitializerError("libc has no syscall")),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

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
    private static final ThreadLocal<MemorySegment> CALL_STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private BpfSyscall() {}

    /** bpf(2): returns the result, or {@code -errno}. */
    public static long bpf(int command, MemorySegment attr, long size) {
        MemorySegment state = CALL_STATE.get();
        try {
            long r = (long) SYSCALL3.invokeExact(state, SYS_BPF, (long) command, attr, size);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
