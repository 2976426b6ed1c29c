package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Where a call with {@code more} sends its stream: each {@link #send} is a reply with
 * {@code continues: true}; the handler's return value is the final reply. May be used from any
 * thread until the handler returns.
 *
 * <p>The client ends a stream by closing the connection (varlink.org gives it no other way);
 * the sink is then cancelled, and a handler that waits for events should return.
 */
public interface ReplySink {
    /**
     * Sends one reply with {@code continues: true}.
     *
     * @return false when the reply could not be delivered (the peer is gone or the call was
     *     cancelled): stop producing
     * @throws IllegalStateException when the call was made without {@code more}, or has finished
     * @throws IllegalArgumentException when the parameters do not fit the method's output
     */
    boolean send(JsonNode parameters);

    /** {@link #send(JsonNode)} for a record. */
    default boolean send(Object parameters) {
        return send((JsonNode) VarlinkJson.toObject(parameters));
    }

    /** Whether the peer is gone, or the server is shutting down. */
    boolean isCancelled();

    /** Waits until cancelled or the time is up; true when cancelled. */
    boolean awaitCancellation(Duration timeout) throws InterruptedException;

    /** Runs the action once when cancelled (at once, in this thread, when already cancelled). */
    void onCancel(Runnable action);
}
