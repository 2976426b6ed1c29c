package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client connection of a {@link VarlinkServer}. A reader thread splits messages and queues
 * calls; a worker thread answers them in order. The reader keeps reading while a stream runs,
 * so that the client's hanging up (its only way to end a stream) is seen at once.
 */
final class ServerConnection {
    private static final System.Logger LOG = System.getLogger(VarlinkServer.class.getName());

    /** What the reader tells the worker besides calls. */
    private enum End { EOF, CLOSED }

    private record Failure(String reason) {}

    final long id;
    private final VarlinkServer server;
    private final SocketChannel channel;
    private final VarlinkReader reader;
    private final VarlinkWriter writer;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Semaphore slots;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile PeerCredentials peer = PeerCredentials.NONE;
    private volatile long lastActivity = System.nanoTime();
    private volatile Call active;
    private volatile boolean inputEnded;
    private volatile boolean shuttingDown;
    private Thread readerThread;
    private Thread workerThread;

    ServerConnection(VarlinkServer server, long id, SocketChannel channel) {
        this.server = server;
        this.id = id;
        this.channel = channel;
        this.reader = new VarlinkReader(channel, server.limits.maxMessageSize());
        this.writer = new VarlinkWriter(channel, server.limits.maxReplySize());
        this.slots = new Semaphore(server.limits.maxPipelinedCalls());
    }

    PeerCredentials peer() {
        return peer;
    }

    void start() {
        readerThread = Thread.ofVirtual().name("varlink-read-" + id).unstarted(this::readLoop);
        workerThread = Thread.ofVirtual().name("varlink-call-" + id).unstarted(this::workLoop);
        // Credentials first, so that the worker never sees a call without them.
        readerThread.start();
        workerThread.start();
    }

    private void readLoop() {
        try {
            peer = PeerCredentials.of(channel);
            server.observer.connectionOpened(id, peer);
            while (true) {
                byte[] frame = reader.readFrame();
                if (frame == null) {
                    end(End.EOF);
                    return;
                }
                lastActivity = System.nanoTime();
                VarlinkCall call;
                try {
                    call = VarlinkCodec.decodeCall(VarlinkCodec.parse(frame));
                } catch (VarlinkProtocolException e) {
                    end(new Failure(e.reason()));
                    return;
                }
                if (!slots.tryAcquire()) {
                    // The client is that many calls ahead: read no more until the worker catches up.
                    server.observer.pipelineFull(id, peer);
                    slots.acquire();
                }
                queue.add(call);
            }
        } catch (VarlinkProtocolException e) {
            end(new Failure(e.reason()));
        } catch (IOException | InterruptedException e) {
            end(End.CLOSED);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "connection " + id + ": reader failed", e);
            end(End.CLOSED);
        }
    }

    /** No more calls will come: a stream under way is cancelled (the client hung up or misbehaved). */
    private void end(Object why) {
        inputEnded = true;
        Call c = active;
        if (c != null && (c.call.more() || why != End.EOF)) {
            c.cancel();
        }
        queue.add(why);
    }

    private void workLoop() {
        String reason = "closed by peer";
        try {
            while (true) {
                Object item = queue.take();
                if (item instanceof VarlinkCall call) {
                    slots.release();
                    if (closed.get() || shuttingDown) {
                        continue;
                    }
                    process(call);
                    continue;
                }
                if (item instanceof Failure f) {
                    reason = "protocol error: " + f.reason();
                    server.observer.protocolError(id, peer, f.reason());
                    LOG.log(System.Logger.Level.DEBUG, "connection {0} ({1}): {2}", id, peer, f.reason());
                    if (!closed.get()) {
                        try {
                            writer.write(VarlinkReply.of(server.error("ProtocolError", Map.of("reason", f.reason()))));
                        } catch (IOException ignored) {
                            // the peer may be gone already; it is closed either way
                        }
                    }
                } else if (item == End.CLOSED) {
                    reason = closed.get() ? "closed" : "connection lost";
                }
                break;
            }
        } catch (InterruptedException e) {
            reason = "interrupted";
        } finally {
            close(reason);
        }
    }

    private void process(VarlinkCall call) {
        Call ctx = new Call(call);
        active = ctx;
        if ((inputEnded && call.more()) || shuttingDown) {
            ctx.cancel();
        }
        long t0 = System.nanoTime();
        String error = null;
        try {
            VarlinkReply reply = server.dispatch(ctx);
            error = reply == null ? null : reply.error();
            if (reply != null && !call.oneway()) {
                ctx.sendFinal(reply);
            }
        } finally {
            ctx.finish();
            active = null;
            lastActivity = System.nanoTime();
            try {
                server.observer.callFinished(ctx, error, System.nanoTime() - t0);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "observer failed", e);
            }
        }
    }

    /** Closes the connection when it idles or stalls too long. */
    void watch(long now, long idleNanos, long writeNanos) {
        long since = writer.writingSince();
        if (since != 0 && now - since > writeNanos) {
            close("peer stopped reading (write timeout)");
            return;
        }
        if (active == null && queue.isEmpty() && now - lastActivity > idleNanos) {
            close("idle timeout");
        }
    }

    /** For server shutdown: no new calls; streams cancelled; the call under way may finish. */
    void beginShutdown() {
        shuttingDown = true;
        Call c = active;
        if (c != null) {
            c.cancel();
        }
        try {
            channel.shutdownInput();
        } catch (IOException ignored) {
            // closed already
        }
    }

    void awaitWorker(Duration timeout) {
        Thread w = workerThread;
        if (w == null) {
            return;
        }
        try {
            w.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Call c = active;
        if (c != null) {
            c.cancel();
        }
        VarlinkServer.closeQuietly(channel);
        queue.add(End.CLOSED);
        Thread r = readerThread;
        if (r != null && r != Thread.currentThread()) {
            r.interrupt();
        }
        server.connectionClosed(this, reason);
    }

    /** One call being answered: its context for the handler and its stream. */
    final class Call implements CallContext, ReplySink {
        private final VarlinkCall call;
        private final CountDownLatch cancelled = new CountDownLatch(1);
        private final List<Runnable> onCancel = new ArrayList<>();
        private final ReentrantLock sendLock = new ReentrantLock();
        private volatile boolean finished;
        private volatile InterfaceDescription description;
        private volatile Member.Method method;

        Call(VarlinkCall call) {
            this.call = call;
        }

        void bind(InterfaceDescription description, Member.Method method) {
            this.description = description;
            this.method = method;
        }

        @Override
        public VarlinkCall call() {
            return call;
        }

        @Override
        public PeerCredentials peer() {
            return peer;
        }

        @Override
        public long connectionId() {
            return id;
        }

        @Override
        public ReplySink sink() {
            return this;
        }

        @Override
        public boolean send(JsonNode parameters) {
            if (!call.more()) {
                throw new IllegalStateException(call.method() + " was called without 'more'; return the reply instead");
            }
            if (!(parameters instanceof ObjectNode out)) {
                throw new IllegalArgumentException("reply parameters must be a JSON object");
            }
            InterfaceDescription d = description;
            Member.Method m = method;
            if (d != null && m != null) {
                Optional<String> wrong = server.checkOutput(d, m.name(), out);
                if (wrong.isPresent()) {
                    throw new IllegalArgumentException("reply of " + call.method() + " does not fit the interface: " + wrong.get());
                }
            }
            sendLock.lock();
            try {
                if (finished) {
                    throw new IllegalStateException("the call " + call.method() + " has finished");
                }
                if (isCancelled()) {
                    return false;
                }
                writer.write(VarlinkReply.continuing(out));
                return true;
            } catch (MessageTooLargeException e) {
                throw new IllegalArgumentException("reply of " + call.method() + " is too large: " + e.getMessage(), e);
            } catch (IOException e) {
                cancel();
                close("write failed: " + e.getMessage());
                return false;
            } finally {
                sendLock.unlock();
            }
        }

        void sendFinal(VarlinkReply reply) {
            sendLock.lock();
            try {
                if (closed.get()) {
                    return;
                }
                try {
                    writer.write(reply);
                } catch (MessageTooLargeException e) {
                    LOG.log(System.Logger.Level.ERROR, "reply of {0} too large: {1}", call.method(), e.getMessage());
                    writer.write(VarlinkReply.of(server.error("InternalError",
                            Map.of("message", "reply of " + call.method() + " is larger than " + e.limit() + " bytes"))));
                }
            } catch (IOException e) {
                close("write failed: " + e.getMessage());
            } finally {
                finished = true;
                sendLock.unlock();
            }
        }

        void finish() {
            sendLock.lock();
            try {
                finished = true;
            } finally {
                sendLock.unlock();
            }
        }

        void cancel() {
            List<Runnable> actions;
            synchronized (onCancel) {
                if (cancelled.getCount() == 0) {
                    return;
                }
                cancelled.countDown();
                actions = List.copyOf(onCancel);
                onCancel.clear();
            }
            for (Runnable a : actions) {
                try {
                    a.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cancel action of " + call.method() + " failed", e);
                }
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled.getCount() == 0;
        }

        @Override
        public boolean awaitCancellation(Duration timeout) throws InterruptedException {
            return cancelled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void onCancel(Runnable action) {
            synchronized (onCancel) {
                if (cancelled.getCount() != 0) {
                    onCancel.add(action);
                    return;
                }
            }
            action.run();
        }
    }
}
