package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code struct ucred} as {@code getsockopt(fd, SOL_SOCKET, SO_PEERCRED)} reports it for a
 * connected Unix socket: the peer's process id and effective user and group ids when it
 * connected, as the kernel has them (raw: pid 0 and ids {@code 0xFFFFFFFF} mean the kernel
 * recorded none).
 *
 * @param pid the peer's process id, 0 if unknown
 * @param uid the peer's effective user id, unsigned
 * @param gid the peer's effective group id, unsigned
 */
public record Ucred(int pid, long uid, long gid) {
    /** (uid_t)-1 / (gid_t)-1: no id recorded. */
    public static final long NO_ID = 0xFFFF_FFFFL;

    private static final int SOL_SOCKET = 1;
    private static final StructLayout UCRED =
            MemoryLayout.structLayout(JAVA_INT.withName("pid"), JAVA_INT.withName("uid"), JAVA_INT.withName("gid"));
    private static final VarHandle PID = UCRED.varHandle(MemoryLayout.PathElement.groupElement("pid"));
    private static final VarHandle UID = UCRED.varHandle(MemoryLayout.PathElement.groupElement("uid"));
    private static final VarHandle GID = UCRED.varHandle(MemoryLayout.PathElement.groupElement("gid"));

    /**
     * Why {@link #ofPeer} cannot work in this JVM, or empty when it can. SO_PEERCRED is 17 on
     * the generic Linux ABI (x86, arm, riscv, s390, loongarch) and 21 on powerpc; mips, sparc,
     * alpha and parisc number it otherwise, and are not supported.
     */
    public static Optional<String> unsupported() {
        return Optional.ofNullable(Binding.WHY_NOT);
    }

    /**
     * The credentials of the peer of connected Unix socket {@code fd}.
     *
     * @throws IOException with the errno when the kernel refuses (EBADF, ENOTSOCK, ...)
     * @throws UnsupportedOperationException where {@link #unsupported} says why
     */
    public static Ucred ofPeer(int fd) throws IOException {
        if (Binding.WHY_NOT != null) throw new UnsupportedOperationException("SO_PEERCRED: " + Binding.WHY_NOT);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment cred = arena.allocate(UCRED);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) UCRED.byteSize());
            int rc = (int) Native.call(Binding.GETSOCKOPT, state, fd, SOL_SOCKET, Binding.SO_PEERCRED, cred.address(), len.address());
            if (rc != 0) throw new IOException("getsockopt(SO_PEERCRED) on fd " + fd + ": " + Errno.of(Native.errno(state)));
            return new Ucred((int) PID.get(cred, 0L),
                    Integer.toUnsignedLong((int) UID.get(cred, 0L)),
                    Integer.toUnsignedLong((int) GID.get(cred, 0L)));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Bound on first use, and only where the option's number is known. */
    private static final class Binding {
        static final String WHY_NOT;
        static final int SO_PEERCRED;
        static final MemorySegment GETSOCKOPT;

        static {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.startsWith("linux")) {
                WHY_NOT = "not Linux";
            } else if (arch.startsWith("mips") || arch.startsWith("sparc") || arch.startsWith("alpha") || arch.startsWith("parisc")) {
                WHY_NOT = "SO_PEERCRED has another number on " + arch;
            } else {
                WHY_NOT = null;
            }
            SO_PEERCRED = arch.startsWith("ppc") ? 21 : 17;
            GETSOCKOPT = WHY_NOT != null ? null : Native.function("getsockopt");
        }
    }
}
