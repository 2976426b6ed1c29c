package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The replies to one call made with {@code more}, as they come. It ends with the first reply
 * without {@code continues}; an error reply ends it with a {@link VarlinkException}. Closing it
 * before the end closes the connection, which is how Varlink ends a stream.
 */
public final class ReplyStream<T> implements Iterator<T>, AutoCloseable {
    interface Source {
        VarlinkReply next() throws IOException;

        void abandon();

        void done();
    }

    private final Source source;
    private final Function<ObjectNode, T> mapper;
    private VarlinkReply pending;
    private boolean done;

    ReplyStream(Source source, Function<ObjectNode, T> mapper) {
        this.source = source;
        this.mapper = mapper;
    }

    /**
     * The next reply, waiting for it; null after the last one.
     *
     * @throws VarlinkException when the server answered with an error (the stream is over)
     */
    public T nextReply() throws IOException {
        if (pending == null) {
            if (done) {
                return null;
            }
            fetch();
        }
        VarlinkReply r = pending;
        pending = null;
        if (r == null) {
            return null;
        }
        if (r.isError()) {
            throw r.toError().toException();
        }
        return mapper.apply(r.parameters());
    }

    private void fetch() throws IOException {
        VarlinkReply r = source.next();
        if (!r.continues()) {
            done = true;
            source.done();
        }
        pending = r;
    }

    /** Whether another reply comes; waits for it. Errors as {@link #nextReply()}, I/O unchecked. */
    @Override
    public boolean hasNext() {
        if (pending != null) {
            return true;
        }
        if (done) {
            return false;
        }
        try {
            fetch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        try {
            return nextReply();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the last reply has come. */
    public boolean isDone() {
        return done && pending == null;
    }

    /** Ends the stream; before its end this closes the connection. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            pending = null;
            source.abandon();
        }
    }
}
