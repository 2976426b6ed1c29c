package dev.tollgate.varlink;

import java.io.IOException;

/**
 * The peer broke the protocol: a message that is not JSON, not an object, not a call or reply,
 * larger than allowed, or cut off. The connection cannot be trusted after it.
 */
public class VarlinkProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public VarlinkProtocolException(String reason) {
        super(reason);
    }

    public VarlinkProtocolException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** What was wrong, in words fit for a {@code ProtocolError} reply. */
    public String reason() {
        return getMessage();
    }
}
