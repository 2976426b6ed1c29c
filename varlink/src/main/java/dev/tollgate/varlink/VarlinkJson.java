package dev.tollgate.varlink;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one Jackson configuration of the Varlink layer. Reading is strict (duplicate keys,
 * scalars of the wrong kind and floats for ints are refused); absent optional fields are left
 * out when writing, as Varlink's {@code ?type} fields may be.
 */
public final class VarlinkJson {
    /** Deeper JSON than this is refused; our messages nest a few levels. */
    public static final int MAX_NESTING_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .build())
            .build();

    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();

    private VarlinkJson() {}

    /** Thread-safe; do not reconfigure. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    static JsonFactory factory() {
        return FACTORY;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A record or map as a JSON object; absent (null) fields left out. */
    public static ObjectNode toObject(Object value) {
        if (value == null) {
            return object();
        }
        if (value instanceof ObjectNode o) {
            return o;
        }
        var node = MAPPER.valueToTree(value);
        if (node instanceof ObjectNode o) {
            return o;
        }
        throw new IllegalArgumentException(value.getClass().getName() + " does not make a JSON object");
    }
}
