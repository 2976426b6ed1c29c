package dev.tollgate.varlink;

import java.time.Duration;
import java.util.Objects;

/**
 * What one server takes on, so that no client (or thousand) can exhaust it.
 *
 * @param maxConnections connections served at once; one more is answered
 *     {@code TooManyConnections} (to its first call) and closed
 * @param maxMessageSize bytes of one incoming message before its NUL; a larger one is a protocol
 *     error
 * @param maxReplySize bytes of one reply; a larger one becomes {@code InternalError}. Larger
 *     than what comes in: a request is small, while a reply lists what the server holds (units
 *     by the thousand), and systemd's own limit, 16 MiB, is what its clients expect
 * @param idleTimeout a connection with no call under way and no complete message for this long
 *     is closed
 * @param writeTimeout a reply the peer does not take in this long (it stopped reading) closes
 *     the connection
 * @param maxStreams calls with {@code more} under way at once, over all connections; one more
 *     is answered {@code TooManyStreams}. (Per connection there is never more than one: a
 *     connection is busy until its stream ends, and later calls wait their turn.)
 * @param maxPipelinedCalls calls one connection may send ahead while an earlier one is under
 *     way; beyond that the server stops reading from it until it catches up
 * @param backlog the listen backlog
 */
public record ServerLimits(int maxConnections, int maxMessageSize, int maxReplySize, Duration idleTimeout, Duration writeTimeout,
                           int maxStreams, int maxPipelinedCalls, int backlog) {
    public ServerLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        if (maxConnections < 1 || maxMessageSize < 64 || maxReplySize < 64 || maxStreams < 0 || maxPipelinedCalls < 1 || backlog < 1) {
            throw new IllegalArgumentException("limits out of range: " + maxConnections + ", " + maxMessageSize + ", " + maxReplySize + ", "
                    + maxStreams + ", " + maxPipelinedCalls + ", " + backlog);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero() || writeTimeout.isNegative() || writeTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** 4096 connections (as systemd), 1 MiB requests, 16 MiB replies (as systemd), 5 min idle, 30 s write stall, 256 streams, 16 calls ahead. */
    public static ServerLimits defaults() {
        return new ServerLimits(4096, VarlinkReader.DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_REPLY_SIZE, Duration.ofMinutes(5), Duration.ofSeconds(30),
                256, 16, 4096);
    }

    public ServerLimits withMaxConnections(int v) {
        return new ServerLimits(v, maxMessageSize, maxReplySize, idleTimeout, writeTimeout, maxStreams, maxPipelinedCalls, backlog);
    }

    /** systemd's VARLINK_BUFFER_MAX. */
    public static final int DEFAULT_MAX_REPLY_SIZE = 16 << 20;

    public ServerLimits withMaxReplySize(int v) {
        return new ServerLimits(maxConnections, maxMessageSize, v, idleTimeout, writeTimeout, maxStreams, maxPipelinedCalls, backlog);
    }

    public ServerLimits withMaxMessageSize(int v) {
        return new ServerLimits(maxConnections, v, maxReplySize, idleTimeout, writeTimeout, maxStreams, maxPipelinedCalls, backlog);
    }

    public ServerLimits withIdleTimeout(Duration v) {
        return new ServerLimits(maxConnections, maxMessageSize, maxReplySize, v, writeTimeout, maxStreams, maxPipelinedCalls, backlog);
    }

    public ServerLimits withWriteTimeout(Duration v) {
        return new ServerLimits(maxConnections, maxMessageSize, maxReplySize, idleTimeout, v, maxStreams, maxPipelinedCalls, backlog);
    }

    public ServerLimits withMaxStreams(int v) {
        return new ServerLimits(maxConnections, maxMessageSize, maxReplySize, idleTimeout, writeTimeout, v, maxPipelinedCalls, backlog);
    }

    public ServerLimits withMaxPipelinedCalls(int v) {
        return new ServerLimits(maxConnections, maxMessageSize, maxReplySize, idleTimeout, writeTimeout, maxStreams, v, backlog);
    }

    public ServerLimits withBacklog(int v) {
        return new ServerLimits(maxConnections, maxMessageSize, maxReplySize, idleTimeout, writeTimeout, maxStreams, maxPipelinedCalls, v);
    }
}
