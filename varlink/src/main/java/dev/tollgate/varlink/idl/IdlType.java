package dev.tollgate.varlink.idl;

import java.util.List;
import java.util.Objects;

/**
 * A type in an interface description: {@code int}, {@code ?[]string}, {@code [string]Counters},
 * an inline {@code (a: int, b: string)} or {@code (one, two)}.
 */
public sealed interface IdlType {

    /** The type as the description language spells it. */
    String spell();

    /** {@code bool}, {@code int}, {@code float}, {@code string}, {@code object}. */
    enum Primitive implements IdlType {
        BOOL("bool"), INT("int"), FLOAT("float"), STRING("string"), OBJECT("object");

        private final String keyword;

        Primitive(String keyword) {
            this.keyword = keyword;
        }

        @Override
        public String spell() {
            return keyword;
        }

        static Primitive byKeyword(String word) {
            for (Primitive p : values()) {
                if (p.keyword.equals(word)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** A reference to a {@code type} member of the same interface. */
    record Named(String name) implements IdlType {
        public Named {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String spell() {
            return name;
        }
    }

    /** {@code ?T}: the value may be null or missing. */
    record Nullable(IdlType element) implements IdlType {
        public Nullable {
            Objects.requireNonNull(element, "element");
            if (element instanceof Nullable) {
                throw new IllegalArgumentException("?? is not a type");
            }
        }

        @Override
        public String spell() {
            return "?" + element.spell();
        }
    }

    /** {@code []T}. */
    record Array(IdlType element) implements IdlType {
        public Array {
            Objects.requireNonNull(element, "element");
        }

        @Override
        public String spell() {
            return "[]" + element.spell();
        }
    }

    /** {@code [string]T}: an object whose keys are free and whose values are all T. */
    record Dict(IdlType element) implements IdlType {
        public Dict {
            Objects.requireNonNull(element, "element");
        }

        @Override
        public String spell() {
            return "[string]" + element.spell();
        }
    }

    /** {@code (name: T, ...)}: an object with exactly these fields. */
    record Struct(List<Field> fields) implements IdlType {
        public Struct {
            fields = List.copyOf(fields);
        }

        public Field field(String name) {
            for (Field f : fields) {
                if (f.name().equals(name)) {
                    return f;
                }
            }
            return null;
        }

        @Override
        public String spell() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    b.append(", ");
                }
                b.append(fields.get(i).name()).append(": ").append(fields.get(i).type().spell());
            }
            return b.append(')').toString();
        }
    }

    /** {@code (one, two, three)}: a string that is one of these. */
    record Enum(List<String> values, List<String> docs) implements IdlType {
        public Enum {
            values = List.copyOf(values);
            docs = List.copyOf(docs);
            if (docs.size() != values.size()) {
                throw new IllegalArgumentException("one doc per value");
            }
        }

        public static Enum of(String... values) {
            return new Enum(List.of(values), java.util.Collections.nCopies(values.length, ""));
        }

        @Override
        public String spell() {
            return "(" + String.join(", ", values) + ")";
        }
    }
}
