package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.varlink.idl.Field;
import dev.tollgate.varlink.idl.IdlException;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Varlink server on a Unix socket: the transport, the limits, {@code org.varlink.service},
 * and the checks every call gets before a {@link MethodHandler} sees it.
 *
 * <p>Each connection is served by its own virtual threads: one reads and splits messages (so a
 * client that hangs up ends its stream at once), one answers the calls in order. A connection
 * that sends something malformed (not JSON, not a call, too large, cut off) gets a
 * {@code ProtocolError} reply where one can still be sent, and is closed; nothing else is
 * affected. The socket file gets mode 0666 after bind (who may do what is the handlers'
 * business, by {@link CallContext#peer()}), a stale one from a dead server is replaced, and
 * {@link #close()} removes it again.
 *
 * <p>The server knows no interface but {@code org.varlink.service}: the caller adds the ones it
 * serves, says what {@code GetInfo} answers, and names the interface that declares the server's
 * own errors ({@link #SERVER_ERRORS}).
 *
 * <pre>{@code
 * VarlinkServer server = VarlinkServer.builder(Path.of("/run/example/org.example.ftl"))
 *         .info("Example Inc.", "ftl-drive", "1.0", "https://example.org/ftl")
 *         .add(ftlDescription, handler)
 *         .errorInterface("org.example.ftl")
 *         .start();
 * }</pre>
 */
public final class VarlinkServer implements AutoCloseable {
    /**
     * The errors the server sends by itself, about the transport and its limits. Varlink has no
     * standard errors for these, so they belong to an interface of the caller's
     * ({@link Builder#errorInterface}), which must declare them just so: then a client reads them
     * as that interface's own errors, and the replies are checked like any other.
     */
    public static final String SERVER_ERRORS = """
            error ProtocolError (reason: string)
            error TooManyConnections (max: int)
            error TooManyStreams (max: int)
            error InternalError (message: string)
            """;
    private static final InterfaceDescription SERVER_ERROR_DECLARATIONS;

    static {
        try {
            SERVER_ERROR_DECLARATIONS = InterfaceDescription.parse("interface org.varlink.server\n" + SERVER_ERRORS);
        } catch (IdlException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final System.Logger LOG = System.getLogger(VarlinkServer.class.getName());
    /** Connections over the limit that are being answered at once; more are just closed. */
    private static final int MAX_REJECTING = 64;
    private static final Duration REJECT_READ_TIME = Duration.ofSeconds(2);

    /** Hooks for logs and metrics; every method has a no-op default. Must not block. */
    public interface Observer {
        default void connectionOpened(long connection, PeerCredentials peer) {}

        default void connectionClosed(long connection, PeerCredentials peer, String reason) {}

        /** A connection over {@link ServerLimits#maxConnections()} was turned away. */
        default void connectionRejected(PeerCredentials peer, String reason) {}

        /** A call was answered (or, for oneway, handled); {@code error} is the error name or null. */
        default void callFinished(CallContext ctx, String error, long nanos) {}

        /** A connection was closed because of what it sent. */
        default void protocolError(long connection, PeerCredentials peer, String reason) {}

        /**
         * A connection is {@link ServerLimits#maxPipelinedCalls()} calls ahead of its answers:
         * the server stops reading from it until it catches up.
         */
        default void pipelineFull(long connection, PeerCredentials peer) {}
    }

    record Registered(InterfaceDescription description, MethodHandler handler) {}

    private final Path socketPath;
    private final ServiceInfo info;
    private final Map<String, Registered> interfaces;
    final ServerLimits limits;
    private final Set<PosixFilePermission> socketMode;
    private final String errorInterface;
    private final boolean checkReplies;
    final Observer observer;
    private final Duration shutdownGrace;

    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final AtomicInteger rejecting = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile ServerSocketChannel listener;
    private volatile Object socketFileKey;
    private volatile Thread acceptThread;
    ScheduledExecutorService timer;

    private VarlinkServer(Builder b) {
        this.socketPath = b.socketPath;
        this.limits = b.limits;
        this.socketMode = b.socketMode;
        this.errorInterface = requireErrorInterface(b);
        this.checkReplies = b.checkReplies;
        this.observer = b.observer;
        this.shutdownGrace = b.shutdownGrace;
        Map<String, Registered> all = new LinkedHashMap<>();
        all.put(OrgVarlinkService.INTERFACE, new Registered(OrgVarlinkService.description(), this::serviceMethod));
        for (Registered r : b.interfaces.values()) {
            if (all.putIfAbsent(r.description().name(), r) != null) {
                throw new IllegalArgumentException("interface " + r.description().name() + " registered twice");
            }
        }
        this.interfaces = Map.copyOf(all);
        List<String> names = new ArrayList<>(all.keySet());
        names.sort(null);
        if (b.vendor == null) {
            throw new IllegalStateException("the server on " + b.socketPath
                    + " needs info(vendor, product, version, url): it is what org.varlink.service.GetInfo answers");
        }
        this.info = new ServiceInfo(b.vendor, b.product, b.version, b.url, names);
    }

    /** The interface named for the server's own errors: one it serves, declaring {@link #SERVER_ERRORS}. */
    private static String requireErrorInterface(Builder b) {
        if (b.errorInterface == null) {
            throw new IllegalStateException("the server on " + b.socketPath + " needs errorInterface(name): the interface"
                    + " it serves that declares the server's own errors (ProtocolError, TooManyConnections, ...)");
        }
        Registered reg = b.interfaces.get(b.errorInterface);
        if (reg == null) {
            throw new IllegalArgumentException("errorInterface " + b.errorInterface + " is not among the interfaces served: "
                    + String.join(", ", b.interfaces.keySet()));
        }
        for (Member.Error wanted : SERVER_ERROR_DECLARATIONS.errors()) {
            Optional<Member.Error> declared = reg.description().error(wanted.name());
            if (declared.isEmpty() || !spell(declared.get()).equals(spell(wanted))) {
                throw new IllegalArgumentException(b.errorInterface + " must declare 'error " + spell(wanted)
                        + "' for the server's own errors" + declared.map(d -> ", not 'error " + spell(d) + "'").orElse(""));
            }
        }
        return b.errorInterface;
    }

    /** An error's declaration without its documentation: {@code Name (field: type, ...)}. */
    private static String spell(Member.Error e) {
        List<String> fields = new ArrayList<>();
        for (Field f : e.fields()) {
            fields.add(f.name() + ": " + f.type().spell());
        }
        return e.name() + " (" + String.join(", ", fields) + ")";
    }

    public static Builder builder(Path socketPath) {
        return new Builder(socketPath);
    }

    public static final class Builder {
        private final Path socketPath;
        private String vendor;
        private String product;
        private String version;
        private String url;
        private final Map<String, Registered> interfaces = new LinkedHashMap<>();
        private ServerLimits limits = ServerLimits.defaults();
        private Set<PosixFilePermission> socketMode = PosixFilePermissions.fromString("rw-rw-rw-");
        private String errorInterface;
        private boolean checkReplies = true;
        private Observer observer = new Observer() {};
        private Duration shutdownGrace = Duration.ofSeconds(2);

        private Builder(Path socketPath) {
            this.socketPath = Objects.requireNonNull(socketPath, "socketPath").toAbsolutePath();
        }

        /** What {@code GetInfo} says about the service; required. */
        public Builder info(String vendor, String product, String version, String url) {
            this.vendor = Objects.requireNonNull(vendor);
            this.product = Objects.requireNonNull(product);
            this.version = Objects.requireNonNull(version);
            this.url = Objects.requireNonNull(url);
            return this;
        }

        /** Serves an interface: its calls go to the handler. */
        public Builder add(InterfaceDescription description, MethodHandler handler) {
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(handler, "handler");
            if (description.name().equals(OrgVarlinkService.INTERFACE)) {
                throw new IllegalArgumentException(OrgVarlinkService.INTERFACE + " is built in");
            }
            if (interfaces.putIfAbsent(description.name(), new Registered(description, handler)) != null) {
                throw new IllegalArgumentException("interface " + description.name() + " added twice");
            }
            return this;
        }

        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        /** The socket file's mode after bind; 0666 unless told. */
        public Builder socketMode(Set<PosixFilePermission> mode) {
            this.socketMode = Set.copyOf(mode);
            return this;
        }

        /**
         * The interface, one of those added, whose {@code ProtocolError}, {@code TooManyConnections},
         * ... the server sends; required, and it must declare {@link VarlinkServer#SERVER_ERRORS}.
         */
        public Builder errorInterface(String name) {
            this.errorInterface = Objects.requireNonNull(name);
            return this;
        }

        /**
         * Whether every reply is checked against the interface before it is sent (on by default):
         * a reply that does not fit becomes {@code InternalError} and is logged, instead of
         * reaching a client that would refuse it.
         */
        public Builder checkReplies(boolean check) {
            this.checkReplies = check;
            return this;
        }

        public Builder observer(Observer observer) {
            this.observer = Objects.requireNonNull(observer);
            return this;
        }

        /** How long {@link #close()} lets calls under way finish. */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = Objects.requireNonNull(grace);
            return this;
        }

        public VarlinkServer build() {
            return new VarlinkServer(this);
        }

        /** Builds, binds and starts serving. */
        public VarlinkServer start() throws IOException {
            return build().start();
        }
    }

    public Path socketPath() {
        return socketPath;
    }

    public ServiceInfo info() {
        return info;
    }

    /** Connections being served now. */
    public int connectionCount() {
        return connectionCount.get();
    }

    /** Calls with {@code more} under way now. */
    public int activeStreams() {
        return activeStreams.get();
    }

    public ServerLimits limits() {
        return limits;
    }

    /** Binds the socket and starts accepting. */
    public VarlinkServer start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        Path parent = socketPath.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
        replaceStaleSocket();
        ServerSocketChannel ssc = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ssc.bind(UnixDomainSocketAddress.of(socketPath), limits.backlog());
            Files.setPosixFilePermissions(socketPath, socketMode);
            socketFileKey = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException | RuntimeException e) {
            ssc.close();
            throw e;
        }
        listener = ssc;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "varlink-watchdog " + socketPath.getFileName());
            t.setDaemon(true);
            return t;
        });
        long period = Math.clamp(Math.min(limits.idleTimeout().toMillis(), limits.writeTimeout().toMillis()) / 4, 10, 1000);
        timer.scheduleWithFixedDelay(this::watchdog, period, period, TimeUnit.MILLISECONDS);
        acceptThread = Thread.ofVirtual().name("varlink-accept " + socketPath.getFileName()).start(this::acceptLoop);
        return this;
    }

    private void replaceStaleSocket() throws IOException {
        if (!Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socketPath, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0140000) {
            throw new IOException(socketPath + " exists and is not a socket; not replacing it");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(socketPath)).close();
            throw new IOException("another server is already listening on " + socketPath);
        } catch (ConnectException stale) {
            LOG.log(System.Logger.Level.INFO, "replacing stale socket {0}", socketPath);
            Files.deleteIfExists(socketPath);
        }
    }

    private void acceptLoop() {
        ServerSocketChannel ssc = listener;
        while (!closing.get()) {
            SocketChannel ch;
            try {
                ch = ssc.accept();
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                if (closing.get()) {
                    break;
                }
                // Out of file descriptors and the like: say so, breathe, go on.
                LOG.log(System.Logger.Level.WARNING, "accept on " + socketPath + " failed: " + e.getMessage());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    break;
                }
                continue;
            }
            long id = nextId.incrementAndGet();
            if (connectionCount.incrementAndGet() > limits.maxConnections()) {
                connectionCount.decrementAndGet();
                reject(ch);
                continue;
            }
            ServerConnection c = new ServerConnection(this, id, ch);
            connections.add(c);
            c.start();
            if (closing.get()) {
                c.close("server shutting down");
            }
        }
    }

    /** Answers the first call of a connection over the limit with TooManyConnections, then closes it. */
    private void reject(SocketChannel ch) {
        if (rejecting.incrementAndGet() > MAX_REJECTING) {
            rejecting.decrementAndGet();
            closeQuietly(ch);
            observer.connectionRejected(PeerCredentials.NONE, "too many connections (closed without reply)");
            return;
        }
        Thread.ofVirtual().name("varlink-reject").start(() -> {
            ScheduledFuture<?> deadline;
            try {
                deadline = timer.schedule(() -> closeQuietly(ch), REJECT_READ_TIME.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                closeQuietly(ch);
                rejecting.decrementAndGet();
                return;
            }
            PeerCredentials peer = PeerCredentials.NONE;
            try {
                peer = PeerCredentials.of(ch);
                VarlinkReader reader = new VarlinkReader(ch, limits.maxMessageSize());
                byte[] frame = reader.readFrame();
                boolean oneway = false;
                try {
                    oneway = frame != null && VarlinkCodec.decodeCall(VarlinkCodec.parse(frame)).oneway();
                } catch (VarlinkProtocolException ignored) {
                    // still worth telling why
                }
                if (frame != null && !oneway) {
                    new VarlinkWriter(ch, limits.maxReplySize()).write(VarlinkReply.of(
                            error("TooManyConnections", Map.of("max", limits.maxConnections()))));
                }
            } catch (IOException ignored) {
                // the client went away, or took too long
            } finally {
                deadline.cancel(false);
                closeQuietly(ch);
                rejecting.decrementAndGet();
                observer.connectionRejected(peer, "too many connections");
            }
        });
    }

    private void watchdog() {
        long now = System.nanoTime();
        long idle = limits.idleTimeout().toNanos();
        long write = limits.writeTimeout().toNanos();
        for (ServerConnection c : connections) {
            try {
                c.watch(now, idle, write);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "watchdog", e);
            }
        }
    }

    void connectionClosed(ServerConnection c, String reason) {
        if (connections.remove(c)) {
            connectionCount.decrementAndGet();
        }
        observer.connectionClosed(c.id, c.peer(), reason);
    }

    boolean closing() {
        return closing.get();
    }

    // ---- answering calls ----

    /**
     * The final reply to a call: the handler's, or the error that stopped it before or inside
     * the handler. Null only when there is nothing to send.
     */
    VarlinkReply dispatch(ServerConnection.Call ctx) {
        VarlinkCall call = ctx.call();
        String method = call.method();
        try {
            String iface = call.interfaceName();
            if (iface.isEmpty()) {
                return VarlinkReply.of(OrgVarlinkService.methodNotFound(method));
            }
            Registered reg = interfaces.get(iface);
            if (reg == null) {
                return VarlinkReply.of(OrgVarlinkService.interfaceNotFound(iface));
            }
            String member = call.memberName();
            Member.Method def = reg.description().method(member).orElse(null);
            if (def == null) {
                return VarlinkReply.of(OrgVarlinkService.methodNotFound(method));
            }
            if (call.upgrade()) {
                // No method here takes over its connection; answering normally would let the
                // client think it had.
                return VarlinkReply.of(OrgVarlinkService.invalidParameter("upgrade"));
            }
            if (def.requiresMore() && !call.more()) {
                return VarlinkReply.of(OrgVarlinkService.expectedMore());
            }
            Optional<InterfaceDescription.Problem> problem = reg.description().checkInput(member, call.parameters());
            if (problem.isPresent()) {
                LOG.log(System.Logger.Level.DEBUG, "{0} from {1}: {2}", method, ctx.peer(), problem.get().message());
                return VarlinkReply.of(OrgVarlinkService.invalidParameter(problem.get().field()));
            }
            boolean stream = call.more();
            if (stream && activeStreams.incrementAndGet() > limits.maxStreams()) {
                activeStreams.decrementAndGet();
                return VarlinkReply.of(error("TooManyStreams", Map.of("max", limits.maxStreams())));
            }
            try {
                ctx.bind(reg.description(), def);
                Object result = reg.handler().handle(ctx, member, call.parameters());
                if (stream && ctx.isCancelled()) {
                    // The client hung up or the server stops: nobody waits for a last reply.
                    return null;
                }
                ObjectNode out = VarlinkJson.toObject(result);
                Optional<String> wrong = checkOutput(reg.description(), member, out);
                if (wrong.isPresent()) {
                    LOG.log(System.Logger.Level.ERROR, "reply of {0} does not fit its interface: {1}", method, wrong.get());
                    return VarlinkReply.of(error("InternalError", Map.of("message", "reply of " + method + " does not fit the interface")));
                }
                return VarlinkReply.of(out);
            } finally {
                if (stream) {
                    activeStreams.decrementAndGet();
                }
            }
        } catch (VarlinkException e) {
            checkError(e.error());
            return VarlinkReply.of(e.error());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, method + " failed for " + ctx.peer(), e);
            return VarlinkReply.of(error("InternalError", Map.of("message",
                    method + " failed: " + e.getClass().getSimpleName() + " (see the server's log)")));
        }
    }

    /** Why a reply does not fit the method's output, when replies are checked. */
    Optional<String> checkOutput(InterfaceDescription description, String member, ObjectNode out) {
        if (!checkReplies) {
            return Optional.empty();
        }
        return description.checkOutput(member, out).map(InterfaceDescription.Problem::message);
    }

    private void checkError(VarlinkError error) {
        Registered reg = interfaces.get(error.interfaceName());
        if (reg == null || !checkReplies) {
            return;
        }
        if (reg.description().error(error.memberName()).isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "error {0} is not declared by {1}", error.name(), error.interfaceName());
            return;
        }
        reg.description().checkError(error.memberName(), error.parameters())
                .ifPresent(p -> LOG.log(System.Logger.Level.WARNING, "error {0} does not fit its declaration: {1}", error.name(), p.message()));
    }

    /** One of the server's own errors, in {@link Builder#errorInterface}. */
    VarlinkError error(String member, Map<String, ?> parameters) {
        return VarlinkError.of(errorInterface + "." + member, parameters);
    }

    private Object serviceMethod(CallContext ctx, String method, ObjectNode parameters) {
        return switch (method) {
            case "GetInfo" -> info;
            case "GetInterfaceDescription" -> {
                String name = parameters.get("interface").textValue();
                Registered reg = interfaces.get(name);
                if (reg == null) {
                    throw OrgVarlinkService.interfaceNotFound(name).toException();
                }
                yield Map.of("description", reg.description().text());
            }
            default -> throw OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
        };
    }

    // ---- shutting down ----

    /** Stops serving: see {@link #shutdown(Duration)} with the configured grace. */
    @Override
    public void close() {
        shutdown(shutdownGrace);
    }

    /**
     * Stops accepting, removes the socket file, cancels streams, lets calls under way finish for
     * up to {@code grace}, then closes every connection.
     */
    public void shutdown(Duration grace) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        ServerSocketChannel ssc = listener;
        if (ssc != null) {
            closeQuietly(ssc);
        }
        Thread accept = acceptThread;
        if (accept != null) {
            try {
                accept.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        removeSocketFile();
        for (ServerConnection c : connections) {
            c.beginShutdown();
        }
        for (ServerConnection c : connections) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                c.awaitWorker(Duration.ofNanos(left));
            }
        }
        for (ServerConnection c : connections) {
            c.close("server shut down");
        }
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void removeSocketFile() {
        try {
            if (socketFileKey != null && Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
                Object key = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                if (socketFileKey.equals(key)) {
                    Files.deleteIfExists(socketPath);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + socketPath + ": " + e.getMessage());
        }
    }

    static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
