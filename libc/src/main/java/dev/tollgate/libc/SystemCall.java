package dev.tollgate.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * syscall(2), for the system calls the C library has no wrapper for (bpf(2)), with errno
 * captured. It goes through the one downcall handle every other libc call uses
 * ({@link Native#call}): a handle of its own would be one more stub and set of method-handle
 * forms spun at start-up. syscall is variadic in C, but glibc's is assembly that takes the
 * number and the arguments from the registers the non-variadic convention puts them in, on
 * every Linux ABI (x86-64 ignores %al there; aarch64 and the others pass variadic arguments in
 * the same registers).
 */
public final class SystemCall {
    private static final MemorySegment SYSCALL = Native.function("syscall");

    private SystemCall() {}

    /** Room for one call's errno, valid while {@code arena} is; a thread may reuse it for each of its calls. */
    public static MemorySegment newState(Arena arena) {
        return Native.callState(arena);
    }

    /** syscall({@code number}, a, b, c): the result, or {@code -errno}. */
    public static long call(MemorySegment state, long number, long a, long b, long c) {
        long r = Native.call(SYSCALL, state, number, a, b, c);
        return r < 0 ? -Native.errno(state) : r;
    }
}
