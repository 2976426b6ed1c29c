package dev.tollgate.varlink;

import java.util.Objects;

/**
 * A call that ended in a Varlink error. A method handler throws it to answer with that error;
 * the client throws it when the answer is an error.
 */
public class VarlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient VarlinkError error;

    public VarlinkException(VarlinkError error) {
        super(Objects.requireNonNull(error, "error").toString());
        this.error = error;
    }

    public VarlinkException(VarlinkError error, Throwable cause) {
        super(Objects.requireNonNull(error, "error").toString(), cause);
        this.error = error;
    }

    public VarlinkError error() {
        return error;
    }

    /** The fully qualified error name. */
    public String name() {
        return error.name();
    }

    public boolean is(String errorName) {
        return error.name().equals(errorName);
    }
}
