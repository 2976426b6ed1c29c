package dev.tollgate.bpf;

import dev.tollgate.libc.Posix;
import java.util.concurrent.atomic.AtomicBoolean;

/** One open file descriptor, closed exactly once. */
public final class Fd implements AutoCloseable {
    private final int value;
    private final AtomicBoolean closed = new AtomicBoolean();

    public Fd(int value) {
        if (value < 0) throw new IllegalArgumentException("not a file descriptor: " + value);
        this.value = value;
    }

    public int value() {
        if (closed.get()) throw new IllegalStateException("file descriptor " + value + " is closed");
        return value;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Posix.close(value);
    }

    @Override
    public String toString() {
        return closed.get() ? "fd:" + value + "(closed)" : "fd:" + value;
    }
}
