package dev.tollgate.api;

import dev.tollgate.varlink.ReplySink;
import java.time.Duration;

/** A typed {@link ReplySink}: the stream of one call with {@code more}. */
public final class Replies<T> {
    private final ReplySink sink;

    public Replies(ReplySink sink) {
        this.sink = sink;
    }

    /** Sends one reply with {@code continues}; false when it could not be delivered (stop then). */
    public boolean send(T reply) {
        return sink.send((Object) reply);
    }

    public boolean isCancelled() {
        return sink.isCancelled();
    }

    /** Waits until cancelled or the time is up; true when cancelled. */
    public boolean awaitCancellation(Duration timeout) throws InterruptedException {
        return sink.awaitCancellation(timeout);
    }

    public void onCancel(Runnable action) {
        sink.onCancel(action);
    }

    public ReplySink sink() {
        return sink;
    }
}
