package dev.tollgate.varlink;

/** A message, once encoded, is larger than the connection's limit; it was not sent. */
public final class MessageTooLargeException extends VarlinkProtocolException {
    private static final long serialVersionUID = 1L;

    private final long size;
    private final int limit;

    public MessageTooLargeException(long size, int limit) {
        super("message of " + size + " bytes is larger than the limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public int limit() {
        return limit;
    }
}
