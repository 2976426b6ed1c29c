package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A reply: its parameters, whether more replies to the same call follow ({@code continues},
 * only for calls with {@code more}), and the error name when the call failed (an error is
 * always the last reply).
 */
public record VarlinkReply(ObjectNode parameters, boolean continues, String error) {
    public VarlinkReply {
        parameters = parameters == null ? VarlinkJson.object() : parameters;
        if (error != null && continues) {
            throw new IllegalArgumentException("an error reply is final");
        }
    }

    public static VarlinkReply of(ObjectNode parameters) {
        return new VarlinkReply(parameters, false, null);
    }

    public static VarlinkReply continuing(ObjectNode parameters) {
        return new VarlinkReply(parameters, true, null);
    }

    public static VarlinkReply of(VarlinkError error) {
        return new VarlinkReply(error.parameters(), false, error.name());
    }

    public boolean isError() {
        return error != null;
    }

    /** This reply as an error; only for {@link #isError()} replies. */
    public VarlinkError toError() {
        if (error == null) {
            throw new IllegalStateException("not an error reply");
        }
        return new VarlinkError(error, parameters);
    }
}
