package dev.tollgate.daemon;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The sd_notify(3) protocol, both ways: a datagram socket a Type=notify service reports to
 * ({@code NOTIFY_SOCKET}), and {@link #send} for tollgated's own reports to systemd. The
 * JDK's channels have no Unix datagram sockets, so this binds the few libc calls through FFM.
 * One socket per service: the socket says who is talking, no credentials needed.
 */
public final class NotifySocket implements AutoCloseable {
    private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    private static final int EAGAIN = 11, EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CE = Linker.Option.captureCallState("errno");
    private static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = bind("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = bind("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final Path path;
    private final int fd;
    private final Thread reader;
    private volatile boolean closed;

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, CE);
    }

    private NotifySocket(Path path, int fd, Consumer<String> onMessage) {
        this.path = path;
        this.fd = fd;
        this.reader = Thread.ofPlatform().daemon().name("notify " + path.getFileName()).start(() -> read(onMessage));
    }

    /** Binds a socket at {@code path} (replacing a stale one) and hands each datagram's text to {@code onMessage}. */
    public static NotifySocket open(Path path, Consumer<String> onMessage) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(err, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket(AF_UNIX, SOCK_DGRAM): errno " + (int) ERRNO.get(err, 0L));
            MemorySegment addr = sockaddr(arena, path.toString());
            int r = (int) BIND.invokeExact(err, fd, addr, (int) addr.byteSize());
            if (r < 0) {
                int e = (int) ERRNO.get(err, 0L);
                int ignored = (int) CLOSE.invokeExact(err, fd);
                throw new IOException("bind " + path + ": errno " + e);
            }
            // Wake up twice a second to notice close().
            MemorySegment tv = arena.allocate(16);
            tv.set(ValueLayout.JAVA_LONG, 0, 0L);
            tv.set(ValueLayout.JAVA_LONG, 8, 500_000L);
            int s = (int) SETSOCKOPT.invokeExact(err, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            // Services may run as another user: anyone may send, as with systemd's socket.
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            return new NotifySocket(path, fd, onMessage);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    public Path path() {
        return path;
    }

    private void read(Consumer<String> onMessage) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(4096);
            while (!closed) {
                long n = (long) RECV.invokeExact(err, fd, buf, 4096L, 0);
                if (n < 0) {
                    int e = (int) ERRNO.get(err, 0L);
                    if (e == EAGAIN || e == EINTR) continue;
                    if (!closed) Log.warning("notify socket %s: recv failed, errno %d", path, e);
                    return;
                }
                String text = new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                try {
                    onMessage.accept(text);
                } catch (RuntimeException ex) {
                    Log.warning("notify socket %s: %s", path, ex);
                }
            }
        } catch (Throwable t) {
            Log.error("notify socket %s: %s", path, t);
        }
    }

    /**
     * Sends {@code state} (e.g. {@code READY=1}) to the socket named in {@code NOTIFY_SOCKET}, as
     * sd_notify(3) does: a path, or {@code @name} for the abstract namespace. False when there is
     * none or it could not be sent.
     */
    public static boolean send(String notifySocket, String state) {
        if (notifySocket == null || notifySocket.isEmpty()) return false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(err, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return false;
            MemorySegment addr = sockaddr(arena, notifySocket);
            byte[] b = state.getBytes(StandardCharsets.UTF_8);
            MemorySegment msg = arena.allocate(b.length);
            MemorySegment.copy(b, 0, msg, ValueLayout.JAVA_BYTE, 0, b.length);
            long n = (long) SENDTO.invokeExact(err, fd, msg, (long) b.length, 0, addr, (int) addr.byteSize());
            int ignored = (int) CLOSE.invokeExact(err, fd);
            return n == b.length;
        } catch (Throwable t) {
            return false;
        }
    }

    /** struct sockaddr_un for a path, or for {@code @name} an abstract address (leading NUL, no terminator). */
    private static MemorySegment sockaddr(Arena arena, String name) {
        byte[] p = name.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name.startsWith("@");
        if (p.length >= 108) throw new IllegalArgumentException("socket path too long: " + name);
        int len = 2 + p.length + (abstractName ? 0 : 1);
        MemorySegment a = arena.allocate(110);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, a, ValueLayout.JAVA_BYTE, 2, p.length);
        if (abstractName) a.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
        return a.asSlice(0, len);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable ignored) {
            // Closing a socket we own cannot usefully fail.
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A stale socket file is replaced at the next bind.
        }
    }
}
