package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A method call (varlink.org, "Method Call"): the fully qualified method, its parameters
 * (an empty object when the call had none or null), and the flags. {@code more} asks for a
 * stream of replies, {@code oneway} for none, {@code upgrade} for the connection to leave
 * Varlink after the reply; at most one of them is set.
 */
public record VarlinkCall(String method, ObjectNode parameters, boolean more, boolean oneway, boolean upgrade) {
    public VarlinkCall {
        Objects.requireNonNull(method, "method");
        parameters = parameters == null ? VarlinkJson.object() : parameters;
        if ((more ? 1 : 0) + (oneway ? 1 : 0) + (upgrade ? 1 : 0) > 1) {
            throw new IllegalArgumentException("more, oneway and upgrade exclude each other");
        }
    }

    public static VarlinkCall of(String method, ObjectNode parameters) {
        return new VarlinkCall(method, parameters, false, false, false);
    }

    public static VarlinkCall more(String method, ObjectNode parameters) {
        return new VarlinkCall(method, parameters, true, false, false);
    }

    public static VarlinkCall oneway(String method, ObjectNode parameters) {
        return new VarlinkCall(method, parameters, false, true, false);
    }

    /** The interface part of the method name; empty when the name has no dot. */
    public String interfaceName() {
        int dot = method.lastIndexOf('.');
        return dot < 0 ? "" : method.substring(0, dot);
    }

    /** The method's own name, without the interface. */
    public String memberName() {
        return method.substring(method.lastIndexOf('.') + 1);
    }
}
