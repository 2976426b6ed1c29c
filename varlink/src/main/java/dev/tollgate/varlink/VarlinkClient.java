package dev.tollgate.varlink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A Varlink client on one Unix socket connection. Calls go one at a time; a stream
 * ({@link #callMore}) holds the connection until it ends.
 *
 * <pre>{@code
 * try (VarlinkClient c = VarlinkClient.connect(Path.of("/run/example/org.example.ftl"))) {
 *     ObjectNode condition = c.call("org.example.ftl.Monitor", Map.of());
 * }
 * }</pre>
 *
 * Error replies are thrown as {@link VarlinkException}; a socket nobody serves as
 * {@link NotRunningException}; a reply that breaks the protocol as
 * {@link VarlinkProtocolException} (the connection is closed then).
 */
public final class VarlinkClient implements AutoCloseable {
    /**
     * @param maxMessageSize the largest reply accepted
     * @param timeout how long to wait for a reply (for a stream: its first reply); null waits forever
     */
    public record Options(int maxMessageSize, Duration timeout) {
        public static Options defaults() {
            return new Options(VarlinkReader.DEFAULT_MAX_MESSAGE_SIZE * 16, null);
        }

        public Options withTimeout(Duration timeout) {
            return new Options(maxMessageSize, timeout);
        }

        public Options withMaxMessageSize(int size) {
            return new Options(size, timeout);
        }
    }

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "varlink-client-timer");
        t.setDaemon(true);
        return t;
    });

    private final Path socket;
    private final SocketChannel channel;
    private final VarlinkReader reader;
    private final VarlinkWriter writer;
    private final Options options;
    private boolean streaming;
    private volatile boolean timedOut;
    private volatile boolean closed;

    private VarlinkClient(Path socket, SocketChannel channel, Options options) {
        this.socket = socket;
        this.channel = channel;
        this.options = options;
        this.reader = new VarlinkReader(channel, options.maxMessageSize());
        this.writer = new VarlinkWriter(channel);
    }

    public static VarlinkClient connect(Path socket) throws IOException {
        return connect(socket, Options.defaults());
    }

    /**
     * Connects to the socket.
     *
     * @throws NotRunningException when there is no socket, or nobody accepts on it
     * @throws AccessDeniedException when the socket may not be opened
     */
    public static VarlinkClient connect(Path socket, Options options) throws IOException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(options, "options");
        try {
            return new VarlinkClient(socket, SocketChannel.open(UnixDomainSocketAddress.of(socket)), options);
        } catch (ConnectException e) {
            if (isSocket(socket)) {
                throw new NotRunningException(socket, "connection refused (a stale socket, its server gone?)", e);
            }
            throw new IOException(socket + " is not a socket", e);
        } catch (SocketException e) {
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                throw new NotRunningException(socket, "no such socket", e);
            }
            String m = String.valueOf(e.getMessage());
            if (m.contains("Permission denied")) {
                AccessDeniedException denied = new AccessDeniedException(socket.toString(), null, "permission denied");
                denied.initCause(e);
                throw denied;
            }
            throw new IOException("cannot connect to " + socket + ": " + m, e);
        }
    }

    private static boolean isSocket(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    /** Whether the connection is still usable. */
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    /**
     * Sends a call and returns its reply as it came (an error reply is returned, not thrown).
     * For a call with {@code more} use {@link #callMore}; a oneway call returns null.
     */
    public synchronized VarlinkReply send(VarlinkCall call) throws IOException {
        if (call.more()) {
            throw new IllegalArgumentException("a call with 'more' returns a stream: use callMore");
        }
        ensureUsable();
        writeCall(call);
        if (call.oneway()) {
            return null;
        }
        VarlinkReply reply = awaitReply(true);
        if (reply.continues()) {
            fail("a reply with 'continues' to a call without 'more'");
        }
        return reply;
    }

    /**
     * Calls a method and returns its reply's parameters.
     *
     * @param parameters a record, a map, an {@link ObjectNode}, or null for none
     * @throws VarlinkException when the reply is an error
     */
    public ObjectNode call(String method, Object parameters) throws IOException {
        VarlinkReply reply = send(VarlinkCall.of(method, VarlinkJson.toObject(parameters)));
        if (reply.isError()) {
            throw reply.toError().toException();
        }
        return reply.parameters();
    }

    /** {@link #call(String, Object)}, the reply mapped onto a record. */
    public <T> T call(String method, Object parameters, Class<T> replyType) throws IOException {
        return map(call(method, parameters), replyType);
    }

    /** Sends a call with {@code oneway}: no reply comes. */
    public void callOneway(String method, Object parameters) throws IOException {
        send(VarlinkCall.oneway(method, VarlinkJson.toObject(parameters)));
    }

    /** Sends a call with {@code more} and returns its replies as they come. */
    public ReplyStream<ObjectNode> callMore(String method, Object parameters) throws IOException {
        return callMore(method, parameters, Function.identity());
    }

    /** {@link #callMore(String, Object)}, each reply mapped onto a record. */
    public <T> ReplyStream<T> callMore(String method, Object parameters, Class<T> replyType) throws IOException {
        return callMore(method, parameters, p -> map(p, replyType));
    }

    private synchronized <T> ReplyStream<T> callMore(String method, Object parameters, Function<ObjectNode, T> mapper)
            throws IOException {
        ensureUsable();
        writeCall(VarlinkCall.more(method, VarlinkJson.toObject(parameters)));
        streaming = true;
        return new ReplyStream<>(new ReplyStream.Source() {
            private boolean first = true;

            @Override
            public VarlinkReply next() throws IOException {
                synchronized (VarlinkClient.this) {
                    VarlinkReply r = awaitReply(first);
                    first = false;
                    return r;
                }
            }

            @Override
            public void abandon() {
                close();
            }

            @Override
            public void done() {
                synchronized (VarlinkClient.this) {
                    streaming = false;
                }
            }
        }, mapper);
    }

    /** What {@code org.varlink.service.GetInfo} says. */
    public ServiceInfo getInfo() throws IOException {
        return call(OrgVarlinkService.GET_INFO, null, ServiceInfo.class);
    }

    /** The description text of an interface the service implements. */
    public String getInterfaceDescription(String iface) throws IOException {
        return call(OrgVarlinkService.GET_INTERFACE_DESCRIPTION, Map.of("interface", iface)).get("description").textValue();
    }

    private void ensureUsable() throws IOException {
        if (closed || !channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (streaming) {
            throw new IllegalStateException("a stream is still open on this connection; finish or close it first");
        }
    }

    private void writeCall(VarlinkCall call) throws IOException {
        try {
            writer.write(call);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private VarlinkReply awaitReply(boolean timed) throws IOException {
        ScheduledFuture<?> timer = null;
        if (timed && options.timeout() != null) {
            timer = TIMER.schedule(() -> {
                timedOut = true;
                VarlinkServer.closeQuietly(channel);
            }, options.timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        try {
            VarlinkReply reply = reader.readReply();
            if (reply == null) {
                close();
                throw new IOException("the server at " + socket + " closed the connection without a reply");
            }
            return reply;
        } catch (VarlinkProtocolException e) {
            close();
            throw e;
        } catch (IOException e) {
            close();
            if (timedOut) {
                throw new SocketTimeoutException("no reply from " + socket + " within " + options.timeout());
            }
            throw e;
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    private void fail(String reason) throws VarlinkProtocolException {
        close();
        throw new VarlinkProtocolException(reason);
    }

    private static <T> T map(ObjectNode parameters, Class<T> type) {
        if (type == ObjectNode.class) {
            return type.cast(parameters);
        }
        try {
            return VarlinkJson.mapper().treeToValue(parameters, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("reply does not fit " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        VarlinkServer.closeQuietly(channel);
    }
}
