package dev.tollgate.system.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Just enough of PromQL to say which series an expression reads: each vector selector's metric
 * name and the labels its matchers name, and the labels named by {@code by}, {@code without},
 * {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}. Grafana's
 * {@code $variables} are accepted where Grafana puts them (range durations, matcher values), and
 * its {@code label_values(selector, label)} counts the label as one the selector's metric has.
 * Not a validator of the whole grammar (promtool is, for the rules); it rejects what it cannot
 * tokenize rather than guessing.
 */
final class PromQl {
    /** A vector selector: {@code metric{label="…", …}}. */
    record Selector(String metric, Set<String> labels) {}

    /** What one expression reads. */
    record Query(String text, List<Selector> selectors, Set<String> groupingLabels) {}

    private enum Kind { IDENT, NUMBER, STRING, VAR, PUNCT }

    private record Token(Kind kind, String text, int at) {
        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }
    }

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "offset", "bool", "atan2");
    private static final Set<String> MATCH_OPS = Set.of("=", "!=", "=~", "!~");
    private static final List<String> TWO_CHAR = List.of("==", "!=", "=~", "!~", "<=", ">=");
    private static final String ONE_CHAR = "{}()[],=<>+-*/%^@:";

    private PromQl() {}

    static Query parse(String expr) {
        List<Token> tokens = tokenize(expr);
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        walk(expr, tokens, 0, tokens.size(), selectors, grouping);
        return new Query(expr, List.copyOf(selectors), Set.copyOf(grouping));
    }

    private static void walk(String expr, List<Token> t, int from, int to, List<Selector> selectors, Set<String> grouping) {
        int i = from;
        while (i < to) {
            Token tok = t.get(i);
            // f(…), and sum by (…) (…) whose grouping comes first.
            boolean callFollows = i + 1 < to && (t.get(i + 1).is("(") || AGGREGATIONS.contains(tok.text())
                    && t.get(i + 1).kind() == Kind.IDENT && Set.of("by", "without").contains(t.get(i + 1).text()));
            if (tok.kind() == Kind.IDENT && GROUPING.contains(tok.text())) {
                if (callFollows) {
                    int close = matching(expr, t, i + 1, to);
                    for (int j = i + 2; j < close; j++) {
                        Token l = t.get(j);
                        if (l.kind() == Kind.IDENT) grouping.add(l.text());
                        else if (!l.is(",")) throw error(expr, l, "a label name in " + tok.text() + "(…)");
                    }
                    i = close + 1;
                } else {
                    i++;   // group_left without a list
                }
            } else if (tok.kind() == Kind.IDENT && KEYWORDS.contains(tok.text())) {
                i++;
            } else if (tok.kind() == Kind.IDENT && callFollows && tok.text().equals("label_values")) {
                int close = matching(expr, t, i + 1, to);
                int comma = -1;
                for (int j = i + 2, depth = 0; j < close; j++) {
                    Token x = t.get(j);
                    if (x.is("(") || x.is("{") || x.is("[")) depth++;
                    else if (x.is(")") || x.is("}") || x.is("]")) depth--;
                    else if (x.is(",") && depth == 0) comma = j;
                }
                Token label = t.get(close - 1);
                if (label.kind() != Kind.IDENT || close - 1 != (comma < 0 ? i + 2 : comma + 1)) {
                    throw error(expr, label, "label_values(selector, label) or label_values(label)");
                }
                if (comma < 0) {
                    grouping.add(label.text());
                } else {
                    List<Selector> inner = new ArrayList<>();
                    walk(expr, t, i + 2, comma, inner, grouping);
                    for (Selector s : inner) {
                        Set<String> labels = new LinkedHashSet<>(s.labels());
                        labels.add(label.text());
                        selectors.add(new Selector(s.metric(), Set.copyOf(labels)));
                    }
                }
                i = close + 1;
            } else if (tok.kind() == Kind.IDENT && callFollows) {
                i++;   // a function or an aggregation: its arguments are walked in turn
            } else if (tok.kind() == Kind.IDENT) {
                Set<String> labels = new LinkedHashSet<>();
                i++;
                if (i < to && t.get(i).is("{")) i = matchers(expr, t, i, to, labels, null);
                selectors.add(new Selector(tok.text(), Set.copyOf(labels)));
            } else if (tok.is("{")) {
                Set<String> labels = new LinkedHashSet<>();
                String[] name = new String[1];
                i = matchers(expr, t, i, to, labels, name);
                if (name[0] == null) throw error(expr, tok, "a selector without a metric name to have __name__=\"…\"");
                labels.remove("__name__");
                selectors.add(new Selector(name[0], Set.copyOf(labels)));
            } else if (tok.is("[")) {
                i = matching(expr, t, i, to) + 1;   // a range or subquery duration
            } else {
                i++;
            }
        }
    }

    /** Reads {@code {l op "v", …}} from the {@code {} at i; returns the index after its {@code }}. */
    private static int matchers(String expr, List<Token> t, int i, int to, Set<String> labels, String[] name) {
        int j = i + 1;
        while (j < to && !t.get(j).is("}")) {
            if (j + 2 >= to) throw error(expr, t.get(i), "a closed {…}");
            Token label = t.get(j);
            Token op = t.get(j + 1);
            Token value = t.get(j + 2);
            if (label.kind() != Kind.IDENT) throw error(expr, label, "a label name");
            if (op.kind() != Kind.PUNCT || !MATCH_OPS.contains(op.text())) throw error(expr, op, "=, !=, =~ or !~");
            if (value.kind() != Kind.STRING) throw error(expr, value, "a quoted label value");
            if (label.text().equals("__name__")) {
                if (name == null || !op.text().equals("=")) throw error(expr, label, "__name__ only as the name of a selector without one, with =");
                name[0] = value.text();
            }
            labels.add(label.text());
            j += 3;
            if (j < to && t.get(j).is(",")) j++;
        }
        if (j >= to) throw error(expr, t.get(i), "a closed {…}");
        return j + 1;
    }

    private static int matching(String expr, List<Token> t, int open, int to) {
        String o = t.get(open).text();
        String c = switch (o) {
            case "(" -> ")";
            case "[" -> "]";
            default -> "}";
        };
        int depth = 0;
        for (int j = open; j < to; j++) {
            if (t.get(j).is(o)) depth++;
            else if (t.get(j).is(c) && --depth == 0) return j;
        }
        throw error(expr, t.get(open), "a closing " + c);
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                // ':' alone is the subquery step separator; as a first character only of a name.
                if (c == ':' && (i + 1 >= s.length() || !isNameChar(s.charAt(i + 1)))) {
                    out.add(new Token(Kind.PUNCT, ":", start));
                    i++;
                    continue;
                }
                while (i < s.length() && isNameChar(s.charAt(i))) i++;
                out.add(new Token(Kind.IDENT, s.substring(start, i), start));
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
                out.add(new Token(Kind.NUMBER, s.substring(start, i), start));
            } else if (c == '"' || c == '\'' || c == '`') {
                StringBuilder v = new StringBuilder();
                i++;
                while (i < s.length() && s.charAt(i) != c) {
                    if (s.charAt(i) == '\\' && c != '`' && i + 1 < s.length()) i++;
                    v.append(s.charAt(i++));
                }
                if (i >= s.length()) throw new IllegalArgumentException("unterminated string at " + start + " in: " + s);
                i++;
                out.add(new Token(Kind.STRING, v.toString(), start));
            } else if (c == '$') {
                i++;
                if (i < s.length() && s.charAt(i) == '{') {
                    while (i < s.length() && s.charAt(i) != '}') i++;
                    i++;
                } else {
                    while (i < s.length() && isNameChar(s.charAt(i))) i++;
                }
                out.add(new Token(Kind.VAR, s.substring(start, i), start));
            } else if (i + 1 < s.length() && TWO_CHAR.contains(s.substring(i, i + 2))) {
                out.add(new Token(Kind.PUNCT, s.substring(i, i + 2), start));
                i += 2;
            } else if (ONE_CHAR.indexOf(c) >= 0) {
                out.add(new Token(Kind.PUNCT, String.valueOf(c), start));
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in: " + s);
            }
        }
        return out;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    private static IllegalArgumentException error(String expr, Token at, String expected) {
        return new IllegalArgumentException("expected " + expected + " at " + at.at() + " ('" + at.text() + "') in: " + expr);
    }
}
