package dev.tollgate.api;

import java.util.List;

/**
 * Unit name patterns as systemctl takes them ({@code strv_fnmatch()}: fnmatch(3) with
 * {@code FNM_NOESCAPE}): {@code *} any run of characters, {@code ?} one character,
 * {@code [...]} one of a set ({@code [a-c]}, {@code [!x]} or {@code [^x]} for the others, a
 * {@code ]} first is itself); a backslash is an ordinary character; a {@code [} without its
 * {@code ]} is itself.
 */
public final class UnitPattern {
    private UnitPattern() {}

    /** Whether {@code name} matches one of {@code patterns}; every name matches null or none. */
    public static boolean matchesAny(List<String> patterns, String name) {
        if (patterns == null || patterns.isEmpty()) {
            return true;
        }
        for (String p : patterns) {
            if (matches(p, name)) {
                return true;
            }
        }
        return false;
    }

    public static boolean matches(String pattern, String name) {
        int p = 0;
        int n = 0;
        int starP = -1;
        int starN = 0;
        while (n < name.length()) {
            if (p < pattern.length()) {
                char c = pattern.charAt(p);
                if (c == '*') {
                    starP = p++;
                    starN = n;
                    continue;
                }
                if (c == '?') {
                    p++;
                    n++;
                    continue;
                }
                if (c == '[') {
                    int end = bracketEnd(pattern, p);
                    if (end > 0) {
                        if (inSet(pattern, p + 1, end, name.charAt(n))) {
                            p = end + 1;
                            n++;
                            continue;
                        }
                    } else if (name.charAt(n) == '[') {
                        p++;
                        n++;
                        continue;
                    }
                } else if (c == name.charAt(n)) {
                    p++;
                    n++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            // Let the last * take one more character and try again from there.
            p = starP + 1;
            n = ++starN;
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** The index of the ']' that closes the set opened at {@code open}, or -1. */
    private static int bracketEnd(String pattern, int open) {
        int i = open + 1;
        if (i < pattern.length() && (pattern.charAt(i) == '!' || pattern.charAt(i) == '^')) {
            i++;
        }
        if (i < pattern.length() && pattern.charAt(i) == ']') {
            i++;
        }
        while (i < pattern.length() && pattern.charAt(i) != ']') {
            i++;
        }
        return i < pattern.length() ? i : -1;
    }

    private static boolean inSet(String pattern, int from, int end, char c) {
        boolean negate = pattern.charAt(from) == '!' || pattern.charAt(from) == '^';
        int i = negate ? from + 1 : from;
        boolean found = false;
        boolean first = true;
        while (i < end) {
            char lo = pattern.charAt(i);
            if (lo == ']' && !first) {
                break;
            }
            first = false;
            if (i + 2 < end && pattern.charAt(i + 1) == '-') {
                char hi = pattern.charAt(i + 2);
                found |= lo <= c && c <= hi;
                i += 3;
            } else {
                found |= lo == c;
                i++;
            }
        }
        return found != negate;
    }
}
