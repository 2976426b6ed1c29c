package dev.tollgate.varlink;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Varlink messages to and from bytes. On the wire a message is one JSON object in UTF-8
 * followed by a NUL byte; these methods deal with the object, {@link VarlinkReader} and
 * {@link VarlinkWriter} with the NULs.
 *
 * <p>Decoding is strict, because a message that parses one way here and another way elsewhere
 * is a security problem: the bytes must be valid UTF-8 (no overlong forms, no surrogates), hold
 * exactly one JSON value with nothing after it, and no object may repeat a key. A call's and a
 * reply's own keys must have the right types; unknown keys are refused, except vendor extensions,
 * which varlink.org says are nested in an object named in reverse-domain notation (a key with a
 * dot) and which are ignored.
 */
public final class VarlinkCodec {
    /** The byte that ends every message. */
    public static final byte NUL = 0;

    private VarlinkCodec() {}

    /** One JSON value from a message's bytes (without the NUL). */
    public static JsonNode parse(byte[] bytes, int offset, int length) throws VarlinkProtocolException {
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length));
        } catch (CharacterCodingException e) {
            throw new VarlinkProtocolException("message is not valid UTF-8");
        }
        if (length == 0 || chars.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            throw new VarlinkProtocolException("empty message");
        }
        try (JsonParser p = VarlinkJson.factory().createParser(chars.array(), chars.arrayOffset() + chars.position(), chars.remaining())) {
            JsonNode node = VarlinkJson.mapper().readTree(p);
            if (p.nextToken() != null) {
                throw new VarlinkProtocolException("trailing data after the JSON value");
            }
            if (node == null || node.isMissingNode()) {
                throw new VarlinkProtocolException("empty message");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new VarlinkProtocolException("message is not acceptable JSON: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new VarlinkProtocolException("message is not valid JSON: " + e.getOriginalMessage());
        } catch (VarlinkProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new VarlinkProtocolException("message is not valid JSON: " + e.getMessage());
        }
    }

    public static JsonNode parse(byte[] bytes) throws VarlinkProtocolException {
        return parse(bytes, 0, bytes.length);
    }

    /** A method call from a parsed message. */
    public static VarlinkCall decodeCall(JsonNode message) throws VarlinkProtocolException {
        if (!(message instanceof ObjectNode o)) {
            throw new VarlinkProtocolException("a call is a JSON object");
        }
        String method = null;
        ObjectNode parameters = null;
        boolean more = false;
        boolean oneway = false;
        boolean upgrade = false;
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "method" -> {
                    if (!v.isTextual()) {
                        throw new VarlinkProtocolException("'method' is not a string");
                    }
                    method = v.textValue();
                }
                case "parameters" -> parameters = parameters(v);
                case "more" -> more = flag("more", v);
                case "oneway" -> oneway = flag("oneway", v);
                case "upgrade" -> upgrade = flag("upgrade", v);
                default -> vendorExtension(e.getKey(), v, "call");
            }
        }
        if (method == null) {
            throw new VarlinkProtocolException("a call has no 'method'");
        }
        if ((more ? 1 : 0) + (oneway ? 1 : 0) + (upgrade ? 1 : 0) > 1) {
            throw new VarlinkProtocolException("'more', 'oneway' and 'upgrade' exclude each other");
        }
        return new VarlinkCall(method, parameters, more, oneway, upgrade);
    }

    /** A reply from a parsed message. */
    public static VarlinkReply decodeReply(JsonNode message) throws VarlinkProtocolException {
        if (!(message instanceof ObjectNode o)) {
            throw new VarlinkProtocolException("a reply is a JSON object");
        }
        ObjectNode parameters = null;
        boolean continues = false;
        String error = null;
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "parameters" -> parameters = parameters(v);
                case "continues" -> continues = flag("continues", v);
                case "error" -> {
                    if (!v.isTextual()) {
                        throw new VarlinkProtocolException("'error' is not a string");
                    }
                    error = v.textValue();
                    if (!dev.tollgate.varlink.idl.Names.isQualifiedMemberName(error)) {
                        throw new VarlinkProtocolException("'" + error + "' is not an error name");
                    }
                }
                default -> vendorExtension(e.getKey(), v, "reply");
            }
        }
        if (error != null && continues) {
            throw new VarlinkProtocolException("an error reply cannot continue");
        }
        return new VarlinkReply(parameters, continues, error);
    }

    private static ObjectNode parameters(JsonNode v) throws VarlinkProtocolException {
        if (v.isNull()) {
            return VarlinkJson.object();
        }
        if (v instanceof ObjectNode p) {
            return p;
        }
        throw new VarlinkProtocolException("'parameters' is not an object");
    }

    private static boolean flag(String name, JsonNode v) throws VarlinkProtocolException {
        if (v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new VarlinkProtocolException("'" + name + "' is not a bool");
        }
        return v.booleanValue();
    }

    private static void vendorExtension(String key, JsonNode v, String what) throws VarlinkProtocolException {
        if (key.indexOf('.') > 0 && v.isObject()) {
            return;
        }
        throw new VarlinkProtocolException("'" + key + "' is not a key of a " + what);
    }

    /** A call as its JSON object; flags that are false are left out. */
    public static ObjectNode encode(VarlinkCall call) {
        ObjectNode o = VarlinkJson.object();
        o.put("method", call.method());
        if (!call.parameters().isEmpty()) {
            o.set("parameters", call.parameters());
        }
        if (call.more()) {
            o.put("more", true);
        }
        if (call.oneway()) {
            o.put("oneway", true);
        }
        if (call.upgrade()) {
            o.put("upgrade", true);
        }
        return o;
    }

    /**
     * A reply as its JSON object. {@code parameters} is always there (some clients want it even
     * when empty); {@code continues} only when true; {@code error} only for errors.
     */
    public static ObjectNode encode(VarlinkReply reply) {
        ObjectNode o = VarlinkJson.object();
        o.set("parameters", reply.parameters());
        if (reply.continues()) {
            o.put("continues", true);
        }
        if (reply.error() != null) {
            o.put("error", reply.error());
        }
        return o;
    }

    /** A message's bytes, without the NUL. NULs inside strings are escaped, so none appear raw. */
    public static byte[] toBytes(JsonNode message) {
        try {
            return VarlinkJson.mapper().writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that cannot be written: " + e.getMessage(), e);
        }
    }
}
