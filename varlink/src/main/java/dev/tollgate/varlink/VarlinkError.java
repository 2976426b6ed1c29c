package dev.tollgate.varlink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.varlink.idl.Names;
import java.util.Map;
import java.util.Objects;

/**
 * A Varlink error: its fully qualified name ({@code org.example.ftl.NotEnoughEnergy}) and its
 * parameters. The same type travels both ways: the server sends it, the client gets it back.
 */
public record VarlinkError(String name, ObjectNode parameters) {
    public VarlinkError {
        Objects.requireNonNull(name, "name");
        if (!Names.isQualifiedMemberName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not an error name (interface.ErrorName)");
        }
        parameters = parameters == null ? VarlinkJson.object() : parameters;
    }

    public static VarlinkError of(String name) {
        return new VarlinkError(name, VarlinkJson.object());
    }

    /** With parameters from a record or map. */
    public static VarlinkError of(String name, Object parameters) {
        return new VarlinkError(name, VarlinkJson.toObject(parameters));
    }

    public static VarlinkError of(String name, String key, Object value) {
        return of(name, Map.of(key, value));
    }

    /** The interface part of the name. */
    public String interfaceName() {
        return name.substring(0, name.lastIndexOf('.'));
    }

    /** The error's own name, without the interface. */
    public String memberName() {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** The parameters mapped onto a record. */
    public <T> T parametersAs(Class<T> type) {
        try {
            return VarlinkJson.mapper().treeToValue(parameters, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("parameters of " + name + " do not fit " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A string parameter, or null. */
    public String text(String key) {
        var v = parameters.get(key);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    public VarlinkException toException() {
        return new VarlinkException(this);
    }

    @Override
    public String toString() {
        return parameters.isEmpty() ? name : name + " " + parameters;
    }
}
