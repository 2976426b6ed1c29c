package dev.tollgate.libc;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * A loopback UDP socket (127.0.0.1 or ::1) driven through libc with sendmmsg(2)/recvmmsg(2),
 * so one system call moves a batch of datagrams: the JDK's DatagramChannel sends one per
 * call, which caps a loopback generator far below a million packets per second. The batch
 * calls allocate nothing (the message vector is prepared once; the downcalls are invoked
 * directly, no capturing lambda), so the JVM adds little beyond the system calls. Linux
 * x86-64/aarch64 layouts. A socket belongs to the cgroup its creating process is in at
 * {@link #open}. The datapath benchmarks' traffic generator; each socket is driven by one thread.
 */
public final class MmsgSocket implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname", FunctionDescriptor.of(INT, INT, PTR, PTR));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    private static final MethodHandle SENDMMSG = bind("sendmmsg", FunctionDescriptor.of(INT, INT, PTR, INT, INT));
    private static final MethodHandle RECVMMSG = bind("recvmmsg", FunctionDescriptor.of(INT, INT, PTR, INT, INT, PTR));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT));

    private static final int AF_INET = 2, AF_INET6 = 10, SOCK_DGRAM = 2, SOL_SOCKET = 1, SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVTIMEO = 20;
    private static final int MSG_WAITFORONE = 0x10000;
    // struct iovec 16 bytes; struct msghdr 56; struct mmsghdr 64 (msghdr + msg_len + padding).
    private static final long IOVEC = 16, MMSGHDR = 64, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_LEN = 56;

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final boolean ipv6;
    /** The errno of this socket's last call: prepared once, so a batch call allocates nothing. */
    private final MemorySegment state = Native.callState(arena);
    private MemorySegment vector;
    private int vectorLength;

    private MmsgSocket(int fd, boolean ipv6) {
        this.fd = fd;
        this.ipv6 = ipv6;
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return Native.downcall(name, fd, Native.CAPTURE_ERRNO);
    }

    /** A UDP socket bound to 127.0.0.1 on an ephemeral port, with {@code bufferBytes} of receive and send buffer. */
    public static MmsgSocket open(int bufferBytes) {
        return open(bufferBytes, false);
    }

    /** The same on ::1 when {@code ipv6}. */
    public static MmsgSocket open(int bufferBytes, boolean ipv6) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            fd = (int) SOCKET.invokeExact(st, ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
            if (fd < 0) throw new IllegalStateException("socket: " + Errno.of(Native.errno(st)));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        MmsgSocket s = new MmsgSocket(fd, ipv6);
        try {
            s.setInt(SO_RCVBUF, bufferBytes);
            s.setInt(SO_SNDBUF, bufferBytes);
            MemorySegment addr = loopback(s.arena, 0, ipv6);
            s.check("bind", (int) invoke(() -> (int) BIND.invokeExact(s.state, fd, addr, (int) addr.byteSize())));
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The local port, in host order. */
    public int port() {
        MemorySegment addr = arena.allocate(28);
        MemorySegment len = arena.allocate(INT);
        len.set(INT, 0, 28);
        check("getsockname", (int) invoke(() -> (int) GETSOCKNAME.invokeExact(state, fd, addr, len)));
        return Short.toUnsignedInt(addr.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
    }

    public void connect(int port) {
        MemorySegment addr = loopback(arena, port, ipv6);
        check("connect", (int) invoke(() -> (int) CONNECT.invokeExact(state, fd, addr, (int) addr.byteSize())));
    }

    /** recvmmsg waits at most this long for a first datagram, so receivers can notice the end. */
    public void receiveTimeout(long millis) {
        MemorySegment tv = arena.allocate(16);
        tv.set(LONG, 0, millis / 1000);
        tv.set(LONG, 8, (millis % 1000) * 1000);
        check("setsockopt SO_RCVTIMEO", (int) invoke(() -> (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16)));
    }

    /** Prepares {@code batch} message slots of {@code bytes} each (all sharing one buffer: content is irrelevant). */
    public void prepare(int batch, int bytes) {
        MemorySegment buffer = arena.allocate(Math.max(bytes, 1), 64);
        MemorySegment iovs = arena.allocate(IOVEC * batch, 8);
        vector = arena.allocate(MMSGHDR * batch, 8);
        for (int i = 0; i < batch; i++) {
            MemorySegment iov = iovs.asSlice(IOVEC * i, IOVEC);
            iov.set(PTR, 0, buffer);
            iov.set(LONG, 8, bytes);
            MemorySegment m = vector.asSlice(MMSGHDR * i, MMSGHDR);
            m.set(PTR, MSG_IOV, iov);
            m.set(LONG, MSG_IOVLEN, 1);
        }
        vectorLength = batch;
    }

    /** sendmmsg of the prepared batch: datagrams sent, or -errno. */
    public int sendBatch() {
        return sendBatch(vectorLength);
    }

    /** sendmmsg of the first {@code count} prepared slots. */
    public int sendBatch(int count) {
        int r;
        try {
            r = (int) SENDMMSG.invokeExact(state, fd, vector, count, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return r < 0 ? -Native.errno(state) : r;
    }

    /** recvmmsg into the prepared slots, returning after the first datagram with whatever else is queued: count, or -errno. */
    public int receiveBatch() {
        for (int i = 0; i < vectorLength; i++) vector.set(INT, MMSGHDR * i + MSG_LEN, 0);
        int r;
        try {
            r = (int) RECVMMSG.invokeExact(state, fd, vector, vectorLength, MSG_WAITFORONE, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return r < 0 ? -Native.errno(state) : r;
    }

    private void setInt(int option, int value) {
        MemorySegment v = arena.allocate(INT);
        v.set(INT, 0, value);
        check("setsockopt " + option, (int) invoke(() -> (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, option, v, 4)));
    }

    private static MemorySegment loopback(Arena arena, int port, boolean ipv6) {
        if (ipv6) { // struct sockaddr_in6: family, port, flowinfo, ::1, scope id
            MemorySegment a = arena.allocate(28);
            a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
            a.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
            a.set(ValueLayout.JAVA_BYTE, 8 + 15, (byte) 1);
            return a;
        }
        MemorySegment a = arena.allocate(16);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
        a.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        a.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7f000001);
        return a;
    }

    private void check(String what, int r) {
        if (r < 0) throw new IllegalStateException(what + ": " + Errno.of(Native.errno(state)));
    }

    private interface Call {
        int call() throws Throwable;
    }

    private static long invoke(Call c) {
        try {
            return c.call();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            // nothing to do: the fd is gone either way
        } finally {
            arena.close();
        }
    }
}
