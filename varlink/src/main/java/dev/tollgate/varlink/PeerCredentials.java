package dev.tollgate.varlink;

import dev.tollgate.libc.Ucred;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SocketChannel;

/**
 * Who is at the other end of a Unix socket connection: the process id, user id and group id
 * the kernel recorded when that process connected ({@code SO_PEERCRED}). Numbers, never names:
 * a name can map back to several ids, an id cannot lie.
 *
 * <h2>How the numbers are had</h2>
 * The JDK's own {@code jdk.net.ExtendedSocketOptions.SO_PEERCRED} reads the same kernel record
 * but hands out a {@code UnixDomainPrincipal} of <em>names</em>: it turns the uid into a user
 * name with {@code getpwuid} (the number only when there is no such user) and drops the pid.
 * Turning a name back into a uid is not safe (two passwd entries may share a name), so we ask
 * the kernel ourselves: {@code getsockopt(fd, SOL_SOCKET, SO_PEERCRED)} through libc's
 * {@link Ucred}. The JDK keeps a channel's file descriptor to itself; it is read with the
 * channel's own public method {@code sun.nio.ch.SelChImpl.getFDVal()}, which the JVM lets us call
 * only when started with
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (no {@code setAccessible}, no
 * {@code --add-opens}). Without that flag the JDK's principal is used: the uid and gid are known
 * only where the principal's name is the number itself, and the pid is unknown; callers must
 * then treat the peer as unprivileged.
 *
 * @param pid the peer's process id at connect time, or {@link #UNKNOWN}
 * @param uid the peer's effective user id, or {@link #UNKNOWN}
 * @param gid the peer's effective group id, or {@link #UNKNOWN}
 * @param source how the numbers were had
 */
public record PeerCredentials(long pid, long uid, long gid, Source source) {
    public static final long UNKNOWN = -1;

    /** Where the credentials came from. */
    public enum Source {
        /** {@code getsockopt(SO_PEERCRED)}: pid, uid and gid, exact. */
        SO_PEERCRED,
        /** The JDK's {@code UnixDomainPrincipal}: ids only where the names are numeric; no pid. */
        JDK_PRINCIPAL,
        /** Nothing could be had. */
        NONE
    }

    public static final PeerCredentials NONE = new PeerCredentials(UNKNOWN, UNKNOWN, UNKNOWN, Source.NONE);

    public boolean uidKnown() {
        return uid != UNKNOWN;
    }

    /** Only a known uid 0 is root. */
    public boolean isRoot() {
        return uid == 0;
    }

    @Override
    public String toString() {
        return "pid=" + (pid == UNKNOWN ? "?" : pid) + " uid=" + (uid == UNKNOWN ? "?" : uid)
                + " gid=" + (gid == UNKNOWN ? "?" : gid);
    }

    /** The credentials of the process at the other end of a connected Unix socket channel. */
    public static PeerCredentials of(SocketChannel channel) {
        if (Native.AVAILABLE) {
            try {
                return Native.peerCred(channel);
            } catch (RuntimeException | Error e) {
                // fall through to what the JDK offers
            }
        }
        return fromJdkPrincipal(channel);
    }

    /** Whether {@link #of} gets exact numbers in this JVM, and if not, why. */
    public static String mechanism() {
        return Native.AVAILABLE ? "getsockopt(SO_PEERCRED) via FFM" : "jdk.net UnixDomainPrincipal (" + Native.WHY_NOT + ")";
    }

    static PeerCredentials fromJdkPrincipal(SocketChannel channel) {
        if (ModuleLayer.boot().findModule("jdk.net").isEmpty()) {
            return NONE;
        }
        try {
            var p = channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            return new PeerCredentials(UNKNOWN, numeric(p.user().getName()), numeric(p.group().getName()), Source.JDK_PRINCIPAL);
        } catch (Exception | LinkageError e) {
            return NONE;
        }
    }

    private static long numeric(String name) {
        if (name == null || name.isEmpty() || name.length() > 10) {
            return UNKNOWN;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return UNKNOWN;
            }
        }
        long v = Long.parseLong(name);
        return v <= 0xFFFF_FFFEL ? v : UNKNOWN;
    }

    /** libc's SO_PEERCRED on the channel's file descriptor, set up once. */
    private static final class Native {
        static final boolean AVAILABLE;
        static final String WHY_NOT;
        private static final MethodHandle GET_FD_VAL;

        static {
            MethodHandle fdVal = null;
            String why;
            if (!Object.class.getModule().isExported("sun.nio.ch", PeerCredentials.class.getModule())) {
                why = "start the JVM with --add-exports java.base/sun.nio.ch=ALL-UNNAMED for exact ids and the pid";
            } else {
                try {
                    why = Ucred.unsupported().orElse(null);
                    if (why == null) {
                        Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
                        fdVal = MethodHandles.lookup().findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class));
                    }
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    // LinkageError: also libc's jar missing from a class path that never serves (tollctl's).
                    why = "cannot set up getsockopt: " + e;
                    fdVal = null;
                }
            }
            GET_FD_VAL = fdVal;
            AVAILABLE = fdVal != null;
            WHY_NOT = why;
        }

        static PeerCredentials peerCred(SocketChannel channel) {
            int fd;
            try {
                fd = (int) GET_FD_VAL.invoke(channel);
            } catch (Throwable t) {
                throw new IllegalStateException("no file descriptor for " + channel, t);
            }
            if (fd < 0) {
                throw new IllegalStateException("channel is closed");
            }
            Ucred cred;
            try {
                cred = Ucred.ofPeer(fd);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // The kernel reports (uid_t)-1 and pid 0 when it has no credentials (a socketpair
            // from before credentials were recorded): unknown, not root.
            return new PeerCredentials(cred.pid() > 0 ? cred.pid() : UNKNOWN,
                    cred.uid() == Ucred.NO_ID ? UNKNOWN : cred.uid(),
                    cred.gid() == Ucred.NO_ID ? UNKNOWN : cred.gid(),
                    Source.SO_PEERCRED);
        }
    }
}
