package dev.tollgate.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tollgate.varlink.VarlinkJson;
import java.io.PrintStream;

/**
 * {@code --json} output: the API's records as they are on the wire (camelCase, enum values as
 * in the interface description), indented, and with absent fields as {@code null} rather than
 * left out, so that every object of a kind has the same keys.
 */
final class Json {
    private static ObjectMapper mapper;

    private Json() {}

    static synchronized ObjectMapper mapper() {
        if (mapper == null) {
            mapper = VarlinkJson.mapper().copy()
                    .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.ALWAYS, JsonInclude.Include.ALWAYS))
                    .enable(SerializationFeature.INDENT_OUTPUT);
        }
        return mapper;
    }

    static String text(Object value) {
        try {
            return mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    static void print(Object value, PrintStream out) {
        out.println(text(value));
    }
}
