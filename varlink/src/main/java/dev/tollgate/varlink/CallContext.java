package dev.tollgate.varlink;

/** One call being answered: who made it, with which flags, and where a stream goes. */
public interface CallContext {
    /** The call as received. */
    VarlinkCall call();

    /** The fully qualified method: {@code org.example.ftl.Jump}. */
    default String method() {
        return call().method();
    }

    /** Whether the caller asked for a stream of replies. */
    default boolean more() {
        return call().more();
    }

    /** Whether the caller wants no reply at all. */
    default boolean oneway() {
        return call().oneway();
    }

    /** The process that made the call, from the socket's credentials. */
    PeerCredentials peer();

    /** A number that identifies the connection in logs. */
    long connectionId();

    /** Where streamed replies go; see {@link ReplySink}. */
    ReplySink sink();
}
