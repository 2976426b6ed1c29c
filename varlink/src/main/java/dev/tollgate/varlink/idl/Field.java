package dev.tollgate.varlink.idl;

import java.util.Objects;

/** A named, typed field of a struct, a method's input or output, or an error. */
public record Field(String name, IdlType type, String doc) {
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        doc = doc == null ? "" : doc;
    }

    public boolean nullable() {
        return type instanceof IdlType.Nullable;
    }
}
