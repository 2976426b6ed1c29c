package dev.tollgate.units.exec;

import dev.tollgate.units.syntax.Words;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Variable substitution in command lines, as systemd's {@code replace_env_argv()} does it
 * (src/basic/env-util.c, v252) when a command starts (systemd.service(5), "Command lines"):
 *
 * <ul>
 *   <li>an argument that is exactly {@code $NAME} is replaced by the variable's value split at
 *       whitespace (quotes in the value group words and are removed), giving zero or more
 *       arguments; an unset variable gives none;</li>
 *   <li>{@code ${NAME}} anywhere in an argument is replaced by the exact value, always staying
 *       one argument; unset is empty;</li>
 *   <li>{@code $$} is a literal {@code $}; anything else ({@code $1}, {@code ${A:-b}}, an
 *       unterminated <code>${A</code>) is left as written.</li>
 * </ul>
 *
 * Quoting in the unit file does not protect a {@code $NAME} argument from splitting: quotes
 * are removed when the file is read, before this runs, exactly as in systemd.
 */
public final class EnvironmentExpansion {

    private EnvironmentExpansion() {}

    public static List<String> expandArgv(List<String> argv, Map<String, String> env) {
        List<String> out = new ArrayList<>(argv.size());
        for (String word : argv) {
            if (word.length() >= 1 && word.charAt(0) == '$'
                    && (word.length() == 1 || (word.charAt(1) != '{' && word.charAt(1) != '$'))) {
                String value = env.get(word.substring(1));
                if (value != null) {
                    try {
                        out.addAll(Words.split(value, EnumSet.of(Words.Flag.RELAX, Words.Flag.UNQUOTE)));
                    } catch (Words.InvalidWordException e) {
                        throw new AssertionError("RELAX never fails", e);
                    }
                }
                continue;
            }
            out.add(replace(word, env));
        }
        return out;
    }

    /** {@code env_name_is_valid()}: letters, digits and underscores, not starting with a digit. */
    public static boolean isValidName(String n) {
        if (n.isEmpty() || (n.charAt(0) >= '0' && n.charAt(0) <= '9')) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char ch = n.charAt(i);
            if (!(ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
                return false;
            }
        }
        return true;
    }

    /** {@code replace_env(word, env, 0)}: {@code ${NAME}} and {@code $$} within one word. */
    public static String replace(String format, Map<String, String> env) {
        StringBuilder r = new StringBuilder();
        int word = 0;
        int state = 0; // 0 WORD, 1 CURLY (after '$'), 2 VARIABLE (inside "${")
        int e = 0;
        for (; e < format.length(); e++) {
            char c = format.charAt(e);
            switch (state) {
                case 0 -> {
                    if (c == '$') {
                        state = 1;
                    }
                }
                case 1 -> {
                    if (c == '{') {
                        r.append(format, word, e - 1);
                        word = e - 1;
                        state = 2;
                    } else if (c == '$') {
                        r.append(format, word, e);
                        word = e + 1;
                        state = 0;
                    } else {
                        state = 0;
                    }
                }
                default -> {
                    if (c == '}') {
                        String v = env.get(format.substring(word + 2, e));
                        if (v != null) {
                            r.append(v);
                        }
                        word = e + 1;
                        state = 0;
                    } else if (c == ':') {
                        state = 0; // "${A:-b}" is not supported here: left as written
                    }
                }
            }
        }
        r.append(format, word, e);
        return r.toString();
    }
}
