package dev.tollgate.daemon;

import dev.tollgate.libc.UnixDatagramSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sd_notify(3) protocol, both ways: a datagram socket a Type=notify service reports to
 * ({@code NOTIFY_SOCKET}), and {@link #send} for tollgated's own reports to systemd. The
 * transport is libc's {@link UnixDatagramSocket} (the JDK's channels have no Unix datagram
 * sockets). One socket per service: the socket says who is talking, no credentials needed.
 */
public final class NotifySocket implements AutoCloseable {
    /** systemd's NOTIFY_BUFFER_MAX (PIPE_BUF): the most of one message that is read. */
    private static final int MESSAGE_MAX = 4096;
    /** How often the reader wakes to notice close(). */
    private static final Duration WAKE_UP = Duration.ofMillis(500);

    private final Path path;
    private final UnixDatagramSocket socket;
    private final Thread reader;
    private volatile boolean closed;

    private NotifySocket(Path path, UnixDatagramSocket socket, Consumer<String> onMessage) {
        this.path = path;
        this.socket = socket;
        this.reader = Thread.ofPlatform().daemon().name("notify " + path.getFileName()).start(() -> read(onMessage));
    }

    /** Binds a socket at {@code path} (replacing a stale one) and hands each datagram's text to {@code onMessage}. */
    public static NotifySocket open(Path path, Consumer<String> onMessage) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        UnixDatagramSocket socket = UnixDatagramSocket.bind(path.toString(), WAKE_UP);
        try {
            // Services may run as another user: anyone may send, as with systemd's socket.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new NotifySocket(path, socket, onMessage);
    }

    public Path path() {
        return path;
    }

    private void read(Consumer<String> onMessage) {
        try {
            while (!closed) {
                Optional<byte[]> datagram = socket.receive(MESSAGE_MAX);
                if (datagram.isEmpty()) continue; // timed out: look at closed again
                String text = new String(datagram.get(), StandardCharsets.UTF_8);
                try {
                    onMessage.accept(text);
                } catch (RuntimeException ex) {
                    Log.warning("notify socket %s: %s", path, ex);
                }
            }
        } catch (IOException e) {
            if (!closed) Log.warning("notify socket %s: %s", path, e.getMessage());
        } catch (RuntimeException | Error e) {
            Log.error("notify socket %s: %s", path, e);
        }
    }

    /**
     * Sends {@code state} (e.g. {@code READY=1}) to the socket named in {@code NOTIFY_SOCKET}, as
     * sd_notify(3) does: a path, or {@code @name} for the abstract namespace. False when there is
     * none or it could not be sent.
     */
    public static boolean send(String notifySocket, String state) {
        if (notifySocket == null || notifySocket.isEmpty()) return false;
        try (UnixDatagramSocket socket = UnixDatagramSocket.unbound()) {
            return socket.send(notifySocket, state.getBytes(StandardCharsets.UTF_8)) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
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
        socket.close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A stale socket file is replaced at the next bind.
        }
    }
}
