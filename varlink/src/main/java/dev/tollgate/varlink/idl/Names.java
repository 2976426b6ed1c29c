package dev.tollgate.varlink.idl;

/**
 * The name rules of interface descriptions. Where varlink.org's grammar and systemd differ,
 * these follow systemd, which every current Varlink service on Linux is checked against:
 * interface names may have uppercase letters ({@code io.systemd.Manager}), while the grammar
 * writes {@code [a-z]([-]*[a-z0-9])*(\.[a-z0-9]([-]*[a-z0-9])*)+}; {@link #isStrictInterfaceName}
 * is the grammar's rule.
 */
public final class Names {
    private Names() {}

    /** Labels of letters and digits, single dashes inside a label, at least two labels, starting with a letter. */
    public static boolean isInterfaceName(String name) {
        if (name == null || name.isEmpty() || !isLetter(name.charAt(0))) {
            return false;
        }
        boolean dot = false;
        boolean dash = false;
        boolean sawDot = false;
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (dot || dash) {
                    return false;
                }
                dot = true;
                sawDot = true;
            } else if (c == '-') {
                if (dot || dash) {
                    return false;
                }
                dash = true;
            } else if (isLetter(c) || isDigit(c)) {
                dot = false;
                dash = false;
            } else {
                return false;
            }
        }
        return sawDot && !dot && !dash;
    }

    /** varlink.org's rule: lowercase labels only. */
    public static boolean isStrictInterfaceName(String name) {
        return name != null && name.matches("[a-z](-*[a-z0-9])*(\\.[a-z0-9](-*[a-z0-9])*)+");
    }

    /** Methods, types and errors: an uppercase letter, then letters and digits. */
    public static boolean isMemberName(String name) {
        if (name == null || name.isEmpty() || !(name.charAt(0) >= 'A' && name.charAt(0) <= 'Z')) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLetter(c) && !isDigit(c)) {
                return false;
            }
        }
        return true;
    }

    /** Fields and enum values: a letter, then letters and digits with single underscores inside. */
    public static boolean isFieldName(String name) {
        return name != null && name.matches("[A-Za-z](_?[A-Za-z0-9])*");
    }

    /** {@code interface.Member}, as methods and errors are named on the wire. */
    public static boolean isQualifiedMemberName(String name) {
        if (name == null) {
            return false;
        }
        int dot = name.lastIndexOf('.');
        return dot > 0 && isInterfaceName(name.substring(0, dot)) && isMemberName(name.substring(dot + 1));
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
