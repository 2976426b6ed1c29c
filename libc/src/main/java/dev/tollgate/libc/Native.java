package dev.tollgate.libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
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
        MemorySegment symbol = find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
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
