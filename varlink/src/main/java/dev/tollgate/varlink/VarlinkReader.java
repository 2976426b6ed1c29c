package dev.tollgate.varlink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a byte stream into Varlink messages at their NUL bytes. One read may bring several
 * messages, or part of one; both are fine. A message may be at most {@code maxMessageSize}
 * bytes before its NUL: when that many bytes have come without a NUL the reader fails at once,
 * without waiting for (or buffering) the rest. Not thread-safe; one reader per connection.
 */
public final class VarlinkReader {
    /** The default limit: generous for our messages, a sixteenth of systemd's 16 MiB buffer. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

    private static final int INITIAL_BUFFER = 8 << 10;

    private final ReadableByteChannel channel;
    private final int maxMessageSize;
    private byte[] buf = new byte[INITIAL_BUFFER];
    private int start;
    private int end;
    private int scanned;
    private long bytesRead;

    public VarlinkReader(ReadableByteChannel channel, int maxMessageSize) {
        if (maxMessageSize < 2) {
            throw new IllegalArgumentException("maxMessageSize too small: " + maxMessageSize);
        }
        this.channel = channel;
        this.maxMessageSize = maxMessageSize;
    }

    public VarlinkReader(ReadableByteChannel channel) {
        this(channel, DEFAULT_MAX_MESSAGE_SIZE);
    }

    /**
     * The next message's bytes, without its NUL; null when the stream ended cleanly between
     * messages.
     *
     * @throws MessageTooLargeException when more than {@code maxMessageSize} bytes came without a NUL
     * @throws VarlinkProtocolException when the stream ended inside a message
     */
    public byte[] readFrame() throws IOException {
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buf[i] == VarlinkCodec.NUL) {
                    if (i - start > maxMessageSize) {
                        throw new MessageTooLargeException(i - start, maxMessageSize);
                    }
                    byte[] frame = Arrays.copyOfRange(buf, start, i);
                    start = i + 1;
                    scanned = start;
                    if (start == end) {
                        start = end = scanned = 0;
                        if (buf.length > INITIAL_BUFFER * 8) {
                            buf = new byte[INITIAL_BUFFER];
                        }
                    }
                    return frame;
                }
            }
            scanned = end;
            if (end - start > maxMessageSize) {
                throw new MessageTooLargeException(end - start, maxMessageSize);
            }
            makeRoom();
            int n = channel.read(ByteBuffer.wrap(buf, end, buf.length - end));
            if (n < 0) {
                if (start == end) {
                    return null;
                }
                throw new VarlinkProtocolException("connection closed in the middle of a message ("
                        + (end - start) + " bytes without the closing NUL)");
            }
            end += n;
            bytesRead += n;
        }
    }

    /** The next message, parsed; null at a clean end of stream. */
    public com.fasterxml.jackson.databind.JsonNode read() throws IOException {
        byte[] frame = readFrame();
        return frame == null ? null : VarlinkCodec.parse(frame);
    }

    /** The next message as a call; null at a clean end of stream. */
    public VarlinkCall readCall() throws IOException {
        var node = read();
        return node == null ? null : VarlinkCodec.decodeCall(node);
    }

    /** The next message as a reply; null at a clean end of stream. */
    public VarlinkReply readReply() throws IOException {
        var node = read();
        return node == null ? null : VarlinkCodec.decodeReply(node);
    }

    /** Whether bytes of a next message are already buffered. */
    public boolean hasBuffered() {
        return end > start;
    }

    public long bytesRead() {
        return bytesRead;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** Room to read into, for at most one message and its NUL beyond what is buffered. */
    private void makeRoom() {
        if (end < buf.length) {
            return;
        }
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            scanned -= start;
            start = 0;
            if (end < buf.length) {
                return;
            }
        }
        int cap = (int) Math.min((long) maxMessageSize + 1, (long) buf.length * 2);
        if (cap <= buf.length) {
            cap = buf.length + 1;
        }
        buf = Arrays.copyOf(buf, cap);
    }
}
