package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Answers the calls of one interface. The server has already checked that the method exists
 * in the interface's description and that the parameters fit its input (else the caller got
 * {@code MethodNotFound} or {@code InvalidParameter}), and that a method marked
 * {@code [Requires 'more' flag]} was called with {@code more} ({@code ExpectedMore}).
 *
 * <p>The return value is the (final) reply's parameters; a record or an {@link ObjectNode};
 * null means no parameters. Throw {@link VarlinkException} to answer with an error. For a call
 * with {@code more}, send the stream through {@link CallContext#sink()} first, and return when
 * done or when the sink is cancelled. Calls of one connection come one at a time, in order;
 * each connection has its own virtual thread, so blocking here is fine.
 */
@FunctionalInterface
public interface MethodHandler {
    /**
     * @param method the method's own name, without the interface: {@code Jump}
     */
    Object handle(CallContext ctx, String method, ObjectNode parameters) throws VarlinkException;

    /** Maps a call's parameters onto a request record; a mismatch is {@code InvalidParameter}. */
    static <T> T parameters(ObjectNode parameters, Class<T> type) {
        try {
            return VarlinkJson.mapper().treeToValue(parameters, type);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String field = e.getPath().isEmpty() || e.getPath().getFirst().getFieldName() == null
                    ? "" : e.getPath().getFirst().getFieldName();
            throw OrgVarlinkService.invalidParameter(field).toException();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw OrgVarlinkService.invalidParameter("").toException();
        }
    }

    /** A reply value as JSON. */
    static JsonNode toJson(Object reply) {
        return VarlinkJson.toObject(reply);
    }
}
