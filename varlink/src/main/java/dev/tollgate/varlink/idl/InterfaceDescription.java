package dev.tollgate.varlink.idl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed and checked Varlink interface description: its name, documentation and members,
 * and the text it was read from (which is what {@code GetInterfaceDescription} returns).
 *
 * <p>Checked beyond the grammar, as systemd checks: member names unique across methods, types
 * and errors; field names unique in their struct (a method's input and output separately);
 * every named type declared as a {@code type} of this interface.
 */
public final class InterfaceDescription {
    private final String name;
    private final String doc;
    private final String text;
    private final List<Member> members;
    private final Map<String, Member> byName;
    private final List<String> systemdProblems;

    private InterfaceDescription(String name, String doc, String text, List<Member> members, List<String> systemdProblems) {
        this.name = name;
        this.doc = doc;
        this.text = text;
        this.members = List.copyOf(members);
        this.byName = new LinkedHashMap<>();
        for (Member m : members) {
            byName.put(m.name(), m);
        }
        this.systemdProblems = List.copyOf(systemdProblems);
    }

    /** Parses and checks a description. */
    public static InterfaceDescription parse(String text) throws IdlException {
        IdlParser.Parsed p = new IdlParser(text).parse();
        check(p.members());
        return new InterfaceDescription(p.name(), p.doc(), text, p.members(), p.systemdProblems());
    }

    /** A description shipped as a class-path resource next to {@code anchor}; a bad one is a bug. */
    public static InterfaceDescription fromResource(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " missing next to " + anchor.getName());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IdlException e) {
            throw new IllegalStateException("the bundled interface description " + resource + " is invalid: " + e.getMessage(), e);
        }
    }

    private static void check(List<Member> members) throws IdlException {
        Map<String, Member> seen = new LinkedHashMap<>();
        for (Member m : members) {
            if (seen.putIfAbsent(m.name(), m) != null) {
                throw new IdlException(0, 0, "'" + m.name() + "' is declared twice");
            }
        }
        for (Member m : members) {
            switch (m) {
                case Member.Method method -> {
                    checkTypes(method.input(), seen, m.name());
                    checkTypes(method.output(), seen, m.name());
                }
                case Member.Type type -> checkTypes(type.type(), seen, m.name());
                case Member.Error error -> checkTypes(error.parameters(), seen, m.name());
            }
        }
    }

    private static void checkTypes(IdlType t, Map<String, Member> members, String where) throws IdlException {
        switch (t) {
            case IdlType.Named n -> {
                Member target = members.get(n.name());
                if (target == null) {
                    throw new IdlException(0, 0, where + " uses type '" + n.name() + "', which is not declared");
                }
                if (!(target instanceof Member.Type)) {
                    throw new IdlException(0, 0, where + " uses '" + n.name() + "' as a type, but it is not a type");
                }
            }
            case IdlType.Nullable x -> checkTypes(x.element(), members, where);
            case IdlType.Array x -> checkTypes(x.element(), members, where);
            case IdlType.Dict x -> checkTypes(x.element(), members, where);
            case IdlType.Struct st -> {
                for (Field f : st.fields()) {
                    checkTypes(f.type(), members, where + "." + f.name());
                }
            }
            case IdlType.Enum e -> { }
            case IdlType.Primitive p -> { }
        }
    }

    public String name() {
        return name;
    }

    /** The documentation before {@code interface}; may be empty. */
    public String doc() {
        return doc;
    }

    /** The text this was parsed from. */
    public String text() {
        return text;
    }

    public List<Member> members() {
        return members;
    }

    public List<Member.Method> methods() {
        return members.stream().filter(Member.Method.class::isInstance).map(Member.Method.class::cast).toList();
    }

    public List<Member.Error> errors() {
        return members.stream().filter(Member.Error.class::isInstance).map(Member.Error.class::cast).toList();
    }

    public List<Member.Type> types() {
        return members.stream().filter(Member.Type.class::isInstance).map(Member.Type.class::cast).toList();
    }

    public Optional<Member.Method> method(String member) {
        return byName.get(member) instanceof Member.Method m ? Optional.of(m) : Optional.empty();
    }

    public Optional<Member.Error> error(String member) {
        return byName.get(member) instanceof Member.Error e ? Optional.of(e) : Optional.empty();
    }

    public Optional<Member.Type> type(String member) {
        return byName.get(member) instanceof Member.Type t ? Optional.of(t) : Optional.empty();
    }

    /**
     * What systemd's parser would refuse although the grammar allows it; empty for a
     * description {@code varlinkctl introspect} can show.
     */
    public List<String> systemdProblems() {
        return systemdProblems;
    }

    /** Whether the name follows varlink.org's stricter, lowercase-only rule. */
    public boolean hasStrictName() {
        return Names.isStrictInterfaceName(name);
    }

    // ---- checking JSON against the description ----

    /** Checks a call's parameters against a method's input. */
    public Optional<Problem> checkInput(String method, JsonNode parameters) {
        Member.Method m = method(method).orElseThrow(() -> new IllegalArgumentException("no method " + method + " in " + name));
        return checkStruct(m.input(), parameters);
    }

    /** Checks a reply's parameters against a method's output. */
    public Optional<Problem> checkOutput(String method, JsonNode parameters) {
        Member.Method m = method(method).orElseThrow(() -> new IllegalArgumentException("no method " + method + " in " + name));
        return checkStruct(m.output(), parameters);
    }

    /** Checks an error's parameters against its declaration. */
    public Optional<Problem> checkError(String error, JsonNode parameters) {
        Member.Error e = error(error).orElseThrow(() -> new IllegalArgumentException("no error " + error + " in " + name));
        return checkStruct(e.parameters(), parameters);
    }

    /** Checks a value against a declared type. */
    public Optional<Problem> checkType(String type, JsonNode value) {
        Member.Type t = type(type).orElseThrow(() -> new IllegalArgumentException("no type " + type + " in " + name));
        String message = check(t.type(), value, type);
        return message == null ? Optional.empty() : Optional.of(new Problem(type, message));
    }

    /**
     * Why a value does not fit: {@code field} is the top-level field at fault (what
     * {@code org.varlink.service.InvalidParameter} names, as systemd does), {@code message}
     * says where inside and how.
     */
    public record Problem(String field, String message) {}

    private Optional<Problem> checkStruct(IdlType.Struct st, JsonNode v) {
        if (v == null || !v.isObject()) {
            return Optional.of(new Problem("", "parameters are not an object"));
        }
        for (Field f : st.fields()) {
            JsonNode value = v.get(f.name());
            String message = check(f.type(), value, f.name());
            if (message != null) {
                return Optional.of(new Problem(f.name(), message));
            }
        }
        for (var it = v.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (st.field(key) == null) {
                return Optional.of(new Problem(key, key + ": not a field of this " + "call or reply"));
            }
        }
        return Optional.empty();
    }

    /** Null when the value fits, else what is wrong, starting with its path. */
    private String check(IdlType t, JsonNode v, String path) {
        String wrong = wrong(t, v);
        return wrong == null ? null : path + wrong;
    }

    /**
     * Null when the value fits, else where inside it ({@code .field}, {@code [3]} or nothing)
     * and what is wrong ({@code ": not an int"}). Every reply is checked (GetCounters of 1,000
     * units is ~10,000 values): the path is put together only for a value that does not fit,
     * and lists are walked by index, so a value that fits allocates nothing.
     */
    private String wrong(IdlType t, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return t instanceof IdlType.Nullable ? null : ": missing or null";
        }
        return switch (t) {
            case IdlType.Nullable n -> wrong(n.element(), v);
            case IdlType.Primitive p -> switch (p) {
                case BOOL -> v.isBoolean() ? null : ": not a bool";
                case INT -> !v.isIntegralNumber() ? ": not an int"
                        : v.canConvertToLong() ? null : ": an int beyond 64 bits";
                case FLOAT -> v.isNumber() ? null : ": not a float";
                case STRING -> v.isTextual() ? null : ": not a string";
                case OBJECT -> v.isObject() ? null : ": not an object";
            };
            case IdlType.Array a -> {
                if (!v.isArray()) {
                    yield ": not an array";
                }
                for (int i = 0; i < v.size(); i++) {
                    String m = wrong(a.element(), v.get(i));
                    if (m != null) {
                        yield "[" + i + "]" + m;
                    }
                }
                yield null;
            }
            case IdlType.Dict d -> {
                if (!v.isObject()) {
                    yield ": not an object (a [string] map)";
                }
                for (var it = v.properties().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    String m = wrong(d.element(), e.getValue());
                    if (m != null) {
                        yield "[\"" + e.getKey() + "\"]" + m;
                    }
                }
                yield null;
            }
            case IdlType.Enum e -> v.isTextual() && e.values().contains(v.textValue()) ? null
                    : ": not one of " + String.join(", ", e.values());
            case IdlType.Named n -> wrong(((Member.Type) byName.get(n.name())).type(), v);
            case IdlType.Struct st -> {
                if (!v.isObject()) {
                    yield ": not an object";
                }
                List<Field> fields = st.fields();
                int present = 0;
                for (int i = 0; i < fields.size(); i++) {
                    Field f = fields.get(i);
                    JsonNode fv = v.get(f.name());
                    if (fv != null) {
                        present++;
                    }
                    String m = wrong(f.type(), fv);
                    if (m != null) {
                        yield "." + f.name() + m;
                    }
                }
                // Every key of the object is a declared field unless it has more keys than that.
                if (v.size() != present) {
                    for (var it = v.fieldNames(); it.hasNext(); ) {
                        String key = it.next();
                        if (st.field(key) == null) {
                            yield "." + key + ": not a field of this object";
                        }
                    }
                }
                yield null;
            }
        };
    }

    // ---- printing ----

    /**
     * The description in a canonical layout (documentation kept, one field per line, tabs),
     * which parses back to the same members.
     */
    public String format() {
        StringBuilder b = new StringBuilder();
        comment(b, doc, "");
        b.append("interface ").append(name).append('\n');
        for (Member m : members) {
            b.append('\n');
            comment(b, m.doc(), "");
            switch (m) {
                case Member.Method method -> {
                    b.append("method ").append(method.name());
                    struct(b, method.input(), "");
                    b.append(" -> ");
                    struct(b, method.output(), "");
                }
                case Member.Type type -> {
                    b.append("type ").append(type.name()).append(' ');
                    element(b, type.type(), "");
                }
                case Member.Error error -> {
                    b.append("error ").append(error.name()).append(' ');
                    struct(b, error.parameters(), "");
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void comment(StringBuilder b, String doc, String indent) {
        if (doc.isEmpty()) {
            return;
        }
        for (String l : doc.split("\n", -1)) {
            b.append(indent).append(l.isEmpty() ? "#" : "# " + l).append('\n');
        }
    }

    private static void struct(StringBuilder b, IdlType.Struct st, String indent) {
        if (st.fields().isEmpty()) {
            b.append("()");
            return;
        }
        b.append("(\n");
        List<Field> fields = st.fields();
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            comment(b, f.doc(), indent + "\t");
            b.append(indent).append('\t').append(f.name()).append(": ");
            element(b, f.type(), indent + "\t");
            b.append(i + 1 < fields.size() ? ",\n" : "\n");
        }
        b.append(indent).append(')');
    }

    private static void element(StringBuilder b, IdlType t, String indent) {
        switch (t) {
            case IdlType.Struct st -> struct(b, st, indent);
            case IdlType.Enum e -> {
                b.append("(\n");
                for (int i = 0; i < e.values().size(); i++) {
                    comment(b, e.docs().get(i), indent + "\t");
                    b.append(indent).append('\t').append(e.values().get(i)).append(i + 1 < e.values().size() ? ",\n" : "\n");
                }
                b.append(indent).append(')');
            }
            case IdlType.Nullable n -> {
                b.append('?');
                element(b, n.element(), indent);
            }
            case IdlType.Array a -> {
                b.append("[]");
                element(b, a.element(), indent);
            }
            case IdlType.Dict d -> {
                b.append("[string]");
                element(b, d.element(), indent);
            }
            default -> b.append(t.spell());
        }
    }

    /** One line per method, type and error, for listings. */
    public List<String> summary() {
        List<String> out = new ArrayList<>();
        for (Member m : members) {
            out.add(switch (m) {
                case Member.Method method -> "method " + method.name() + method.input().spell() + " -> " + method.output().spell();
                case Member.Type type -> "type " + type.name() + " " + type.type().spell();
                case Member.Error error -> "error " + error.name() + " " + error.parameters().spell();
            });
        }
        return out;
    }

    @Override
    public String toString() {
        return "interface " + name + " (" + members.size() + " members)";
    }
}
