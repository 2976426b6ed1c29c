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
     * Calls by address, one downcall handle per number of arguments. Each distinct function
     * descriptor costs the JDK a stub class and its method-handle forms, generated at run time
     * (~2-3 ms each, no AOT cache holds them, most on the daemon's start-up path); one handle per
     * function made ~30 of them. Every argument is passed as a 64-bit value (an int sign-extended,
     * a pointer as its address), which the LP64 Linux ABIs accept where C takes an int or a short
     * of the same value; a C result narrower than 64 bits is read from the low bits of the long
     * ((int) r). Not for variadic functions (open): they need their own descriptor.
     * errno is captured into {@code state} ({@link #callState}) after every call.
     */

    /** fn() with errno captured in {@code state}. */
    static long call(MemorySegment fn, MemorySegment state) {
        try {
            return (long) Call0.H.invokeExact(fn, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a) {
        try {
            return (long) Call1.H.invokeExact(fn, state, a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b) {
        try {
            return (long) Call2.H.invokeExact(fn, state, a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c) {
        try {
            return (long) Call3.H.invokeExact(fn, state, a, b, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d) {
        try {
            return (long) Call4.H.invokeExact(fn, state, a, b, c, d);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e) {
        try {
            return (long) Call5.H.invokeExact(fn, state, a, b, c, d, e);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) Call6.H.invokeExact(fn, state, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The handle for functions of {@code arity} 64-bit arguments returning 64 bits: (address, state, args...). */
    @SuppressWarnings("restricted")
    private static MethodHandle byAddress(int arity) {
        MemoryLayout[] args = new MemoryLayout[arity];
        java.util.Arrays.fill(args, ValueLayout.JAVA_LONG);
        return LINKER.downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_LONG, args), CAPTURE_ERRNO);
    }

    // Made on first use of each arity (class initialization is lazy and happens once).
    private static final class Call0 { static final MethodHandle H = byAddress(0); }

    private static final class Call1 { static final MethodHandle H = byAddress(1); }

    private static final class Call2 { static final MethodHandle H = byAddress(2); }

    private static final class Call3 { static final MethodHandle H = byAddress(3); }

    private static final class Call4 { static final MethodHandle H = byAddress(4); }

    private static final class Call5 { static final MethodHandle H = byAddress(5); }

    private static final class Call6 { static final MethodHandle H = byAddress(6); }

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
