package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes Varlink messages: the JSON bytes, then a NUL, in full, one message at a time even
 * when several threads write (a stream's replies may come from another thread than the call's).
 */
public final class VarlinkWriter {
    private final WritableByteChannel channel;
    private final int maxMessageSize;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long writingSince;

    public VarlinkWriter(WritableByteChannel channel, int maxMessageSize) {
        this.channel = channel;
        this.maxMessageSize = maxMessageSize;
    }

    public VarlinkWriter(WritableByteChannel channel) {
        this(channel, Integer.MAX_VALUE - 1);
    }

    /**
     * Writes one message.
     *
     * @throws MessageTooLargeException when the message is larger than the limit (nothing is written)
     */
    public void write(JsonNode message) throws IOException {
        writeFrame(VarlinkCodec.toBytes(message));
    }

    public void write(VarlinkCall call) throws IOException {
        write(VarlinkCodec.encode(call));
    }

    public void write(VarlinkReply reply) throws IOException {
        write(VarlinkCodec.encode(reply));
    }

    /** Writes raw message bytes (which must not contain a NUL) and the NUL. */
    public void writeFrame(byte[] json) throws IOException {
        if (json.length > maxMessageSize) {
            throw new MessageTooLargeException(json.length, maxMessageSize);
        }
        ByteBuffer[] parts = {ByteBuffer.wrap(json), ByteBuffer.wrap(new byte[] {VarlinkCodec.NUL})};
        lock.lock();
        try {
            writingSince = System.nanoTime() | 1;
            for (ByteBuffer part : parts) {
                while (part.hasRemaining()) {
                    channel.write(part);
                }
            }
        } finally {
            writingSince = 0;
            lock.unlock();
        }
    }

    /** {@link System#nanoTime()} when the write under way began; 0 when none is. */
    public long writingSince() {
        return writingSince;
    }
}
