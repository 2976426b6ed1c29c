package dev.tollgate.varlink;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Nothing serves the socket: the file is not there, or nobody accepts connections on it (a
 * server that died and left its socket behind).
 */
public final class NotRunningException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path socket;
    private final String reason;

    public NotRunningException(Path socket, String reason, Throwable cause) {
        super("nothing is listening on " + socket + ": " + reason, cause);
        this.socket = socket;
        this.reason = reason;
    }

    public Path socket() {
        return socket;
    }

    /** Why, in a few words: {@code no such socket}, {@code connection refused (stale socket?)}. */
    public String reason() {
        return reason;
    }
}
