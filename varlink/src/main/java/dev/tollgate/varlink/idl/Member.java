package dev.tollgate.varlink.idl;

import java.util.List;
import java.util.Objects;

/** A declaration in an interface: a method, a type or an error. They share one namespace. */
public sealed interface Member {
    String name();

    /** The documentation comment before the declaration, without the {@code #}s; may be empty. */
    String doc();

    /** {@code method Name(in...) -> (out...)}. */
    record Method(String name, String doc, IdlType.Struct input, IdlType.Struct output) implements Member {
        public Method {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(output, "output");
            doc = doc == null ? "" : doc;
        }

        /**
         * Whether the method must be called with {@code more}, as systemd marks it: a
         * documentation line {@code [Requires 'more' flag]}.
         */
        public boolean requiresMore() {
            return doc.lines().anyMatch(l -> l.strip().equals("[Requires 'more' flag]"));
        }

        /** Whether the method answers {@code more} with a stream ({@code [Supports 'more' flag]} or requires it). */
        public boolean supportsMore() {
            return requiresMore() || doc.lines().anyMatch(l -> l.strip().equals("[Supports 'more' flag]"));
        }
    }

    /** {@code type Name (...)}: a struct or an enum. */
    record Type(String name, String doc, IdlType type) implements Member {
        public Type {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (!(type instanceof IdlType.Struct) && !(type instanceof IdlType.Enum)) {
                throw new IllegalArgumentException("a type member is a struct or an enum");
            }
            doc = doc == null ? "" : doc;
        }
    }

    /** {@code error Name (...)}. */
    record Error(String name, String doc, IdlType.Struct parameters) implements Member {
        public Error {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(parameters, "parameters");
            doc = doc == null ? "" : doc;
        }

        public List<Field> fields() {
            return parameters.fields();
        }
    }
}
