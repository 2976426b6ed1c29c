package dev.tollgate.libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/** How this module binds the C library: downcalls with errno captured, and errno as an exception. */
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** The option that makes a downcall take a capture segment ({@link #callState}) as its first argument. */
    static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    static Optional<MemorySegment> find(String name) {
        return LINKER.defaultLookup().find(name);
    }

    @SuppressWarnings("restricted")
    static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(function(name), fd, options);
    }

    /** The address of the C library's function {@code name}, for {@link #call}. */
    static MemorySegment function(String name) {
        return find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /*
     * Calls by address, all through one downcall handle of six 64-bit arguments. Each distinct
     * function descriptor costs the JDK a stub class and its method-handle forms, generated at
     * run time (no AOT cache holds them), most of it on the daemon's start-up path: one handle per
     * function made ~30 of them, one per arity 7 (~130 classes), one in all a single set.
     * Every argument is passed as a 64-bit value (an int sign-extended, a pointer as its address),
     * which the LP64 Linux ABIs accept where C takes an int or a short of the same value; a C
     * result narrower than 64 bits is read from the low bits of the long ((int) r). A function of
     * fewer arguments gets zeros for the rest, which it never reads: on x86-64, aarch64, riscv64
     * and ppc64le all six are in registers, on s390x the sixth is in the caller's own parameter
     * area, and the caller removes what it passed. Not for variadic functions that take their
     * variable arguments from memory (open's mode on ppc64le): they need a descriptor of their own.
     * errno is captured into {@code state} ({@link #callState}) after every call.
     */
    @SuppressWarnings("restricted")
    private static final MethodHandle CALL = LINKER.downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG), CAPTURE_ERRNO);

    /** fn() with errno captured in {@code state}. */
    static long call(MemorySegment fn, MemorySegment state) {
        return call(fn, state, 0, 0, 0, 0, 0, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a) {
        return call(fn, state, a, 0, 0, 0, 0, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b) {
        return call(fn, state, a, b, 0, 0, 0, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c) {
        return call(fn, state, a, b, c, 0, 0, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d) {
        return call(fn, state, a, b, c, d, 0, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e) {
        return call(fn, state, a, b, c, d, e, 0);
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) CALL.invokeExact(fn, state, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Room for the errno of one call. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A downcall's Throwable: unchecked ones as they are, anything else wrapped. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /**
     * A failed call on a path as the JDK's typed exception: {@link NoSuchFileException} for
     * ENOENT and ENOTDIR (a component is a file, so there is no such directory either),
     * {@link AccessDeniedException} for EACCES and EPERM, else a {@link FileSystemException};
     * the reason names the call and the errno.
     */
    static IOException pathError(String call, String path, int errno) {
        Errno e = Errno.of(errno);
        String reason = call + ": " + e;
        return switch (e) {
            case ENOENT, ENOTDIR -> new NoSuchFileException(path, null, reason);
            case EACCES, EPERM -> new AccessDeniedException(path, null, reason);
            default -> new FileSystemException(path, null, reason);
        };
    }
}
