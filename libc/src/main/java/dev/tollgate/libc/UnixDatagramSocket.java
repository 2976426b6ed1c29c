package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@code AF_UNIX} datagram socket, which the JDK's channels do not offer: bound at an
 * address to receive ({@link #bind}), or unbound to send ({@link #unbound}). sd_notify(3)'s
 * transport. An address is written as {@code NOTIFY_SOCKET} writes it: a file system path, or
 * {@code @name} for the abstract namespace (no file; gone with the last socket bound to it).
 *
 * <p>One thread receives at a time; {@link #close} once nothing receives any more (a receiver
 * wakes at least every receive timeout to notice it should stop).
 */
public final class UnixDatagramSocket implements AutoCloseable {
    private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    /** sizeof(sockaddr_un.sun_path): a path and its NUL, or an abstract name's leading NUL and the name. */
    private static final int SUN_PATH = 108;

    private static final MemorySegment SOCKET = Native.function("socket");
    private static final MemorySegment BIND = Native.function("bind");
    private static final MemorySegment SETSOCKOPT = Native.function("setsockopt");
    private static final MemorySegment RECV = Native.function("recv");
    private static final MemorySegment SENDTO = Native.function("sendto");
    private static final MemorySegment CLOSE = Native.function("close");

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixDatagramSocket(int fd) {
        this.fd = fd;
    }

    /**
     * A socket bound at {@code address} whose {@link #receive} gives up after
     * {@code receiveTimeout} ({@link Duration#ZERO}: waits for ever). A path must not exist
     * yet (a stale socket file is the caller's to remove); its file gets the process's umask.
     *
     * @throws java.nio.file.NoSuchFileException when the path's directory does not exist
     * @throws IOException with the errno for any other refusal (EADDRINUSE: taken)
     * @throws IllegalArgumentException for an empty or too long address
     */
    public static UnixDatagramSocket bind(String address, Duration receiveTimeout) throws IOException {
        if (receiveTimeout.isNegative()) throw new IllegalArgumentException("negative receive timeout: " + receiveTimeout);
        UnixDatagramSocket socket = unbound();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment addr = sockaddr(arena, address);
            int r = (int) Native.call(BIND, state, socket.fd, addr.address(), addr.byteSize());
            if (r < 0) throw Native.pathError("bind", address, Native.errno(state));
            if (!receiveTimeout.isZero()) {
                MemorySegment tv = arena.allocate(16, 8); // struct timeval: seconds, microseconds
                // At least 1 µs: a zeroed timeval would mean no timeout at all.
                long micros = Math.max(1, receiveTimeout.toNanos() / 1000);
                tv.set(JAVA_LONG, 0, micros / 1_000_000);
                tv.set(JAVA_LONG, 8, micros % 1_000_000);
                r = (int) Native.call(SETSOCKOPT, state, socket.fd, SOL_SOCKET, SO_RCVTIMEO, tv.address(), 16);
                if (r < 0) throw new IOException("setsockopt(SO_RCVTIMEO) on " + address + ": " + Errno.of(Native.errno(state)));
            }
            return socket;
        } catch (Throwable t) {
            socket.close();
            if (t instanceof IOException e) throw e;
            throw Native.rethrow(t);
        }
    }

    /** A socket bound nowhere, to {@link #send} from. */
    public static UnixDatagramSocket unbound() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = (int) Native.call(SOCKET, state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + Errno.of(Native.errno(state)));
            return new UnixDatagramSocket(fd);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * The next datagram, at most {@code capacity} bytes of it (the rest of a longer one is
     * discarded, as recv(2) does); empty when the receive timeout passed or a signal
     * interrupted the wait (EAGAIN, EINTR), so the caller may check whether to go on.
     *
     * @throws IOException with the errno for any other failure (EBADF once closed)
     */
    public Optional<byte[]> receive(int capacity) throws IOException {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive: " + capacity);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment buffer = arena.allocate(capacity);
            long n = Native.call(RECV, state, fd, buffer.address(), capacity, 0);
            if (n >= 0) return Optional.of(buffer.asSlice(0, n).toArray(JAVA_BYTE));
            Errno e = Errno.of(Native.errno(state));
            if (e == Errno.EAGAIN || e == Errno.EINTR) return Optional.empty();
            throw new IOException("recv: " + e);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Sends {@code message} as one datagram to {@code address}: 0, or the errno (ENOENT: no
     * such path; ECONNREFUSED: nothing bound there; EAGAIN: the receiver's queue is full).
     *
     * @throws IllegalArgumentException for an empty or too long address
     */
    public int send(String address, byte[] message) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment addr = sockaddr(arena, address);
            MemorySegment data = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, data, JAVA_BYTE, 0, message.length);
            long n;
            do {
                n = Native.call(SENDTO, state, fd, data.address(), message.length, 0, addr.address(), addr.byteSize());
            } while (n < 0 && Native.errno(state) == Errno.EINTR.number());
            // A datagram goes whole or not at all.
            return n < 0 ? Native.errno(state) : 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** struct sockaddr_un for a path, or for {@code @name} an abstract address (leading NUL, no terminator). */
    private static MemorySegment sockaddr(Arena arena, String address) {
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = address.startsWith("@");
        // A path needs its terminating NUL; an abstract name's '@' becomes its leading NUL.
        int used = abstractName ? name.length : name.length + 1;
        if (name.length == 0 || (abstractName && name.length == 1)) {
            throw new IllegalArgumentException("empty Unix socket address: '" + address + "'");
        }
        if (used > SUN_PATH) {
            throw new IllegalArgumentException("Unix socket address longer than " + SUN_PATH + " bytes: " + address);
        }
        MemorySegment a = arena.allocate(2 + SUN_PATH, 2);
        a.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, a, JAVA_BYTE, 2, name.length);
        if (abstractName) a.set(JAVA_BYTE, 2, (byte) 0);
        // The length says where an abstract name ends (its bytes may include NULs).
        return a.asSlice(0, 2 + used);
    }

    /** Closes the socket (once; later calls do nothing). A path's socket file stays: the caller's to remove. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        // close(2) of a socket we own frees it whatever it returns.
        try (Arena arena = Arena.ofConfined()) {
            Native.call(CLOSE, Native.callState(arena), fd);
        }
    }
}
