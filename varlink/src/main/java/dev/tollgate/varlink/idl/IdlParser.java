package dev.tollgate.varlink.idl;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads an interface description by varlink.org's grammar ("Interface Definition"): whitespace
 * and {@code #} comments between tokens, none inside one ({@code ?[]string} is one token run).
 * Comments on their own lines right before a declaration, a field or an enum value are its
 * documentation; a blank line ends a documentation block.
 *
 * <p>Alongside, it notes what systemd's parser (sd-varlink-idl.c, which {@code varlinkctl}
 * uses) refuses although the grammar allows it: containers of containers or of nullables,
 * empty {@code ()} types, comments anywhere but before a field or value.
 */
final class IdlParser {
    private final String s;
    private int pos;
    private int line = 1;
    private int column = 1;
    private final List<String> systemdProblems = new ArrayList<>();

    IdlParser(String text) {
        this.s = text;
    }

    record Parsed(String name, String doc, List<Member> members, List<String> systemdProblems) {}

    /** The whitespace and comments between two tokens. */
    private record Gap(String doc, boolean newline, boolean comments, boolean empty) {}

    Parsed parse() throws IdlException {
        Gap lead = gap(true);
        expectWord("interface", "an interface description starts with 'interface'");
        Gap afterKeyword = gap(false);
        if (afterKeyword.empty()) {
            throw error("expected whitespace after 'interface'");
        }
        int nameLine = line;
        int nameColumn = column;
        String name = takeWhile(IdlParser::isInterfaceNameChar);
        if (!Names.isInterfaceName(name)) {
            throw new IdlException(nameLine, nameColumn, "'" + name + "' is not a valid interface name");
        }
        List<Member> members = new ArrayList<>();
        Gap gap = gap(true);
        if (!atEnd() && !gap.newline()) {
            throw error("the interface name must end its line");
        }
        while (!atEnd()) {
            if (!gap.newline()) {
                throw error("each declaration starts on a line of its own");
            }
            members.add(member(gap.doc()));
            gap = gap(true);
        }
        if (members.isEmpty()) {
            throw error("an interface declares at least one method, type or error");
        }
        return new Parsed(name, lead.doc(), members, List.copyOf(systemdProblems));
    }

    private Member member(String doc) throws IdlException {
        int kwLine = line;
        int kwColumn = column;
        String keyword = takeWhile(c -> c >= 'a' && c <= 'z');
        switch (keyword) {
            case "method" -> {
                String name = memberName();
                noComments(gap(false), "between a method's name and its input");
                IdlType.Struct input = struct("method input");
                noComments(gap(false), "between a method's input and '->'");
                if (!s.startsWith("->", pos)) {
                    throw error("expected '->'");
                }
                advance(2);
                noComments(gap(false), "between '->' and a method's output");
                IdlType.Struct output = struct("method output");
                return new Member.Method(name, doc, input, output);
            }
            case "type" -> {
                String name = memberName();
                noComments(gap(false), "between a type's name and its definition");
                int l = line;
                int c = column;
                IdlType type = structOrEnum();
                if (isEmpty(type)) {
                    systemdProblems.add(l + ":" + c + ": type " + name + " is empty");
                }
                return new Member.Type(name, doc, type);
            }
            case "error" -> {
                String name = memberName();
                noComments(gap(false), "between an error's name and its parameters");
                return new Member.Error(name, doc, struct("error parameters"));
            }
            default -> throw new IdlException(kwLine, kwColumn,
                    keyword.isEmpty() ? "expected 'method', 'type' or 'error'"
                            : "unknown keyword '" + keyword + "' (method, type or error)");
        }
    }

    private String memberName() throws IdlException {
        if (gap(false).empty()) {
            throw error("expected whitespace before the name");
        }
        int l = line;
        int c = column;
        String name = takeWhile(IdlParser::isWordChar);
        if (!Names.isMemberName(name)) {
            throw new IdlException(l, c, name.isEmpty() ? "expected a name"
                    : "'" + name + "' is not a valid name (an uppercase letter, then letters and digits)");
        }
        return name;
    }

    private IdlType.Struct struct(String what) throws IdlException {
        int l = line;
        int c = column;
        IdlType t = structOrEnum();
        if (t instanceof IdlType.Struct st) {
            return st;
        }
        throw new IdlException(l, c, what + " must be fields with types, not an enum");
    }

    /** {@code ( ... )}: fields with types make a struct, bare names an enum; {@code ()} is an empty struct. */
    private IdlType structOrEnum() throws IdlException {
        expect('(');
        List<Field> fields = new ArrayList<>();
        List<String> values = new ArrayList<>();
        List<String> valueDocs = new ArrayList<>();
        Gap g = gap(true);
        if (peek() == ')') {
            advance(1);
            return new IdlType.Struct(List.of());
        }
        Boolean isStruct = null;
        while (true) {
            String doc = g.doc();
            int l = line;
            int c = column;
            String name = takeWhile(IdlParser::isWordChar);
            if (!Names.isFieldName(name)) {
                throw new IdlException(l, c, atEnd() ? "unexpected end, expected a field name"
                        : name.isEmpty() ? "expected a field name"
                        : "'" + name + "' is not a valid field name");
            }
            Gap after = gap(false);
            if (peek() == ':') {
                if (Boolean.FALSE.equals(isStruct)) {
                    throw error("an enum's values have no types");
                }
                isStruct = true;
                noComments(after, "between a field's name and ':'");
                advance(1);
                noComments(gap(false), "between ':' and a field's type");
                IdlType type = type();
                if (fieldNamed(fields, name)) {
                    throw new IdlException(l, c, "field '" + name + "' is declared twice");
                }
                fields.add(new Field(name, type, doc));
                noComments(gap(false), "after a field's type");
            } else {
                if (Boolean.TRUE.equals(isStruct)) {
                    throw error("expected ':' and a type for field '" + name + "'");
                }
                isStruct = false;
                noComments(after, "after an enum value");
                if (values.contains(name)) {
                    throw new IdlException(l, c, "value '" + name + "' is listed twice");
                }
                values.add(name);
                valueDocs.add(doc);
            }
            char next = peek();
            if (next == ',') {
                advance(1);
                g = gap(true);
                if (peek() == ')') {
                    throw error("no ',' after the last field");
                }
            } else if (next == ')') {
                advance(1);
                break;
            } else {
                throw error(atEnd() ? "unexpected end, expected ',' or ')'" : "expected ',' or ')'");
            }
        }
        return isStruct ? new IdlType.Struct(fields) : new IdlType.Enum(values, valueDocs);
    }

    private static boolean fieldNamed(List<Field> fields, String name) {
        for (Field f : fields) {
            if (f.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** One type; no whitespace inside it. */
    private IdlType type() throws IdlException {
        int l = line;
        int c = column;
        if (peek() == '?') {
            advance(1);
            if (peek() == '?') {
                throw error("'??' is not a type");
            }
            return new IdlType.Nullable(type());
        }
        if (s.startsWith("[]", pos)) {
            advance(2);
            return container(new IdlType.Array(type()), l, c);
        }
        if (s.startsWith("[string]", pos)) {
            advance(8);
            return container(new IdlType.Dict(type()), l, c);
        }
        if (peek() == '[') {
            throw error("expected '[]' or '[string]'");
        }
        if (peek() == '(') {
            IdlType inline = structOrEnum();
            if (isEmpty(inline)) {
                systemdProblems.add(l + ":" + c + ": empty () as a field type");
            }
            return inline;
        }
        String word = takeWhile(IdlParser::isWordChar);
        IdlType.Primitive p = IdlType.Primitive.byKeyword(word);
        if (p != null) {
            return p;
        }
        if (Names.isMemberName(word)) {
            return new IdlType.Named(word);
        }
        throw new IdlException(l, c, word.isEmpty() ? "expected a type" : "'" + word + "' is not a type");
    }

    private IdlType container(IdlType t, int l, int c) {
        IdlType element = t instanceof IdlType.Array a ? a.element() : ((IdlType.Dict) t).element();
        if (element instanceof IdlType.Array || element instanceof IdlType.Dict || element instanceof IdlType.Nullable) {
            systemdProblems.add(l + ":" + c + ": " + t.spell() + " (a container of " + element.spell()
                    + "; systemd allows one level of [] or [string] over a plain type)");
        }
        return t;
    }

    private static boolean isEmpty(IdlType t) {
        return t instanceof IdlType.Struct st && st.fields().isEmpty();
    }

    private void noComments(Gap g, String where) {
        if (g.comments()) {
            systemdProblems.add(line + ":" + column + ": a comment " + where);
        }
    }

    // ---- lexical ----

    /**
     * Skips whitespace and comments. With {@code docs}, collects the comment lines that stand on
     * their own lines directly before the next token (no blank line between) as documentation.
     */
    private Gap gap(boolean docs) {
        int start = pos;
        boolean atLineStart = pos == 0 || isLineBreakBefore();
        boolean newline = false;
        boolean comments = false;
        List<String> block = new ArrayList<>();
        while (!atEnd()) {
            char ch = s.charAt(pos);
            if (isEol(ch)) {
                if (atLineStart) {
                    block.clear();
                }
                eol();
                atLineStart = true;
                newline = true;
            } else if (isWhitespace(ch)) {
                advance(1);
            } else if (ch == '#') {
                comments = true;
                advance(1);
                String text = takeWhile(x -> !isEol(x));
                if (text.startsWith(" ")) {
                    text = text.substring(1);
                }
                if (atLineStart) {
                    block.add(text);
                } else {
                    block.clear();
                }
                if (!atEnd()) {
                    eol();
                    atLineStart = true;
                    newline = true;
                }
            } else {
                break;
            }
        }
        return new Gap(docs ? String.join("\n", block) : "", newline, comments, pos == start);
    }

    private boolean isLineBreakBefore() {
        return isEol(s.charAt(pos - 1));
    }

    private void eol() {
        char ch = s.charAt(pos);
        if (ch == '\r' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
            pos++;
        }
        pos++;
        line++;
        column = 1;
    }

    private static boolean isEol(char ch) {
        return ch == '\n' || ch == '\r' || ch == '\u2028' || ch == '\u2029';
    }

    /** The grammar's whitespace: ECMA-262's, without \v and \f. */
    private static boolean isWhitespace(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\u00A0' || ch == '\uFEFF' || ch == '\u1680' || ch == '\u180E'
                || (ch >= '\u2000' && ch <= '\u200A') || ch == '\u202F' || ch == '\u205F' || ch == '\u3000';
    }

    private static boolean isWordChar(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    }

    private static boolean isInterfaceNameChar(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
    }

    private interface CharTest {
        boolean test(char ch);
    }

    private String takeWhile(CharTest t) {
        int start = pos;
        while (!atEnd() && t.test(s.charAt(pos))) {
            pos++;
            column++;
        }
        return s.substring(start, pos);
    }

    private void expectWord(String word, String message) throws IdlException {
        int l = line;
        int c = column;
        String w = takeWhile(IdlParser::isWordChar);
        if (!w.equals(word)) {
            throw new IdlException(l, c, message);
        }
    }

    private void expect(char ch) throws IdlException {
        if (peek() != ch) {
            throw error(atEnd() ? "unexpected end, expected '" + ch + "'" : "expected '" + ch + "'");
        }
        advance(1);
    }

    private char peek() {
        return atEnd() ? '\0' : s.charAt(pos);
    }

    private boolean atEnd() {
        return pos >= s.length();
    }

    private void advance(int n) {
        pos += n;
        column += n;
    }

    private IdlException error(String reason) {
        return new IdlException(line, column, reason);
    }
}
