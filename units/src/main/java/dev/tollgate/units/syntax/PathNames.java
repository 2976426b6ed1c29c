package dev.tollgate.units.syntax;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Path-name rules from systemd's path-util.c as unit file directives apply them (through
 * {@code path_simplify_and_warn()}): a path must be absolute where asked, is simplified
 * ({@code //a/./b/} becomes {@code /a/b}), and must then be valid (not empty, under
 * {@code PATH_MAX}, no component over {@code NAME_MAX}) and normalized (no {@code ..}).
 * Pure string work: nothing here touches the file system.
 */
public final class PathNames {

    public static final int PATH_MAX = 4096;
    public static final int NAME_MAX = 255;

    private PathNames() {}

    public static boolean isAbsolute(String p) {
        return p.startsWith("/");
    }

    /** {@code path_simplify()}: drop duplicate slashes, {@code .} components and a trailing slash. */
    public static String simplify(String p) {
        if (p.isEmpty()) {
            return p;
        }
        boolean absolute = p.startsWith("/");
        List<String> parts = new ArrayList<>();
        // split("/") takes String.split's fast path; "/+" would compile a regex per path.
        for (String c : p.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                parts.add(c);
            }
        }
        String joined = String.join("/", parts);
        if (absolute) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    /** {@code path_is_valid()}: not empty, shorter than PATH_MAX, every component at most NAME_MAX bytes. */
    public static boolean isValid(String p) {
        if (p.isEmpty() || bytes(p) >= PATH_MAX) {
            return false;
        }
        for (String c : p.split("/")) {
            if (bytes(c) > NAME_MAX) {
                return false;
            }
        }
        return true;
    }

    /** {@code path_is_normalized()}: valid, and no {@code .}, {@code ..} or {@code //}. */
    public static boolean isNormalized(String p) {
        if (!isValid(p)) {
            return false;
        }
        if (p.equals(".") || p.equals("..")) {
            return false;
        }
        if (p.startsWith("../") || p.endsWith("/..") || p.contains("/../")) {
            return false;
        }
        if (p.startsWith("./") || p.endsWith("/.") || p.contains("/./")) {
            return false;
        }
        return !p.contains("//");
    }

    /** {@code filename_is_valid()}: one path component, not {@code .} or {@code ..}. */
    public static boolean isValidFilename(String p) {
        return !p.isEmpty() && !p.equals(".") && !p.equals("..") && p.indexOf('/') < 0 && bytes(p) <= NAME_MAX;
    }

    /** {@code string_is_safe()}: no control characters, quotes, backslashes or DEL. */
    public static boolean isSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code path_simplify_and_warn(path, PATH_CHECK_ABSOLUTE)}: the simplified path, or why it
     * is refused ({@code "path is not absolute"}, {@code "path is not normalized"} ...).
     */
    public static Result checkAbsolute(String path) {
        if (!isAbsolute(path)) {
            return new Result(Optional.empty(), "path is not absolute");
        }
        return checkSimplified(path);
    }

    /** As {@link #checkAbsolute} without the absolute requirement ({@code PATH_CHECK} 0). */
    public static Result checkSimplified(String path) {
        String s = simplify(path);
        if (!isValid(s)) {
            return new Result(Optional.empty(), "path has invalid length (" + bytes(s) + " bytes)");
        }
        if (!isNormalized(s)) {
            return new Result(Optional.empty(), "path is not normalized");
        }
        return new Result(Optional.of(s), "");
    }

    /** A checked path: the simplified path, or the reason it was refused. */
    public record Result(Optional<String> path, String refusal) {
        public boolean ok() {
            return path.isPresent();
        }
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
