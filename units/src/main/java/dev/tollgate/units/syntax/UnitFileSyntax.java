package dev.tollgate.units.syntax;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.UnitFileDiagnostic;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The ini-like syntax of systemd.syntax(7), read line by line as systemd's {@code config_parse()}
 * (src/shared/conf-parser.c) reads it:
 *
 * <ul>
 *   <li>lines end at {@code \n}, {@code \r} or NUL (and their pairs); a line whose first
 *       non-blank character is {@code #} or {@code ;} is a comment, also in the middle of a
 *       continuation, so the continued line goes on after the comment block;</li>
 *   <li>a line ending in an odd number of backslashes continues on the next line, the backslash
 *       becoming a space and the next line's leading blanks kept;</li>
 *   <li>{@code [Section]} headers; sections the unit type does not have are warned about and
 *       skipped, {@code X-} sections silently;</li>
 *   <li>{@code Key=value} with blanks around both trimmed; a line without {@code =}, with an
 *       empty key, or before any section is warned about and skipped.</li>
 * </ul>
 *
 * A malformed section header, invalid UTF-8 or an over-long line is fatal, as in systemd: the
 * entries stop there with a {@link LogLevel#ERROR}.
 */
public final class UnitFileSyntax {

    /** systemd's {@code LONG_LINE_MAX}. */
    public static final int LONG_LINE_MAX = 1024 * 1024;

    private static final byte[] UTF8_BOM = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};

    private UnitFileSyntax() {}

    /** What a file yields, in order: assignments, and diagnostics about lines that are not. */
    public sealed interface Entry permits Entry.Assign, Entry.Note {
        /** A {@code Key=value} in a known section. */
        record Assign(Assignment assignment) implements Entry {}

        /** A message about a line; a {@link LogLevel#ERROR} one is the last entry. */
        record Note(UnitFileDiagnostic diagnostic) implements Entry {}
    }

    /**
     * Reads a whole file.
     *
     * @param sections the sections this unit type has (e.g. {@code Unit}, {@code Service}, {@code Install})
     */
    public static List<Entry> parse(Path file, byte[] content, Set<String> sections) {
        State st = new State(file, sections);
        // The continued line so far, in a buffer that grows by doubling: copying it whole for
        // every continued line would make a long continuation quadratic.
        byte[] continuation = null;
        int continuationLength = 0;
        boolean bomSeen = false;
        int line = 0;
        int i = 0;
        int n = content.length;
        while (i < n) {
            int start = i;
            while (i < n && !isEol(content[i])) {
                i++;
            }
            int end = i;
            i = skipEol(content, i);
            if (end - start > LONG_LINE_MAX) {
                st.fatal(line + 1, "Line too long");
                return st.out;
            }
            line++;
            byte[] buf = Arrays.copyOfRange(content, start, end);

            int firstNonBlank = 0;
            while (firstNonBlank < buf.length && isWhitespace(buf[firstNonBlank])) {
                firstNonBlank++;
            }
            if (firstNonBlank < buf.length && (buf[firstNonBlank] == '#' || buf[firstNonBlank] == ';')) {
                continue;
            }
            byte[] l = buf;
            if (!bomSeen && startsWith(buf, UTF8_BOM)) {
                l = Arrays.copyOfRange(buf, UTF8_BOM.length, buf.length);
                bomSeen = true;
            }
            if (continuation != null && continuationLength + l.length > LONG_LINE_MAX) {
                st.fatal(line, "Continuation line too long");
                return st.out;
            }
            // Only the new line needs scanning: the join is never inside an escape, because the
            // previous line's trailing backslash became a space.
            boolean escaped = false;
            for (byte b : l) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                }
            }
            if (continuation == null && !escaped) {
                if (!st.parseLine(line, l)) {
                    return st.out;
                }
                continue;
            }
            if (continuation == null) {
                continuation = new byte[Math.max(256, l.length * 2)];
                continuationLength = 0;
            }
            if (continuationLength + l.length > continuation.length) {
                continuation = Arrays.copyOf(continuation, Math.max(continuation.length * 2, continuationLength + l.length));
            }
            System.arraycopy(l, 0, continuation, continuationLength, l.length);
            continuationLength += l.length;
            if (escaped) {
                continuation[continuationLength - 1] = ' ';
                continue;
            }
            byte[] p = Arrays.copyOf(continuation, continuationLength);
            continuation = null;
            if (!st.parseLine(line, p)) {
                return st.out;
            }
        }
        if (continuation != null) {
            st.parseLine(++line, Arrays.copyOf(continuation, continuationLength));
        }
        return st.out;
    }

    private static final class State {
        final Path file;
        final Set<String> sections;
        final List<Entry> out = new ArrayList<>();
        String section;
        boolean sectionIgnored;

        State(Path file, Set<String> sections) {
            this.file = file;
            this.sections = sections;
        }

        void note(LogLevel sev, int line, String message) {
            out.add(new Entry.Note(UnitFileDiagnostic.atLine(sev, file, line, message)));
        }

        void fatal(int line, String message) {
            note(LogLevel.ERROR, line, message);
        }

        /** {@code parse_line()}; false after a fatal problem. */
        boolean parseLine(int line, byte[] raw) {
            String l;
            try {
                l = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw))
                        .toString();
            } catch (CharacterCodingException e) {
                fatal(line, "String is not UTF-8 clean, ignoring assignment: "
                        + strip(new String(raw, StandardCharsets.UTF_8)));
                return false;
            }
            l = strip(l);
            if (l.isEmpty()) {
                return true;
            }
            if (l.charAt(0) == '[') {
                if (l.charAt(l.length() - 1) != ']') {
                    fatal(line, "Invalid section header '" + l + "'");
                    return false;
                }
                String name = l.substring(1, l.length() - 1);
                if (!PathNames.isSafe(name)) {
                    fatal(line, "Bad characters in section header '" + l + "'");
                    return false;
                }
                if (!sections.contains(name)) {
                    if (!name.startsWith("X-")) {
                        out.add(new Entry.Note(new UnitFileDiagnostic(LogLevel.WARNING, Optional.of(file), line,
                                Optional.of(name), Optional.empty(), "Unknown section '" + name + "'. Ignoring.")));
                    }
                    section = null;
                    sectionIgnored = true;
                } else {
                    section = name;
                    sectionIgnored = false;
                }
                return true;
            }
            if (section == null) {
                if (!sectionIgnored) {
                    note(LogLevel.WARNING, line, "Assignment outside of section. Ignoring.");
                }
                return true;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                note(LogLevel.WARNING, line, "Missing '=', ignoring line.");
                return true;
            }
            if (eq == 0) {
                note(LogLevel.WARNING, line, "Missing key name before '=', ignoring line.");
                return true;
            }
            out.add(new Entry.Assign(new Assignment(file, line, section, strip(l.substring(0, eq)), strip(l.substring(eq + 1)))));
            return true;
        }
    }

    /** systemd's {@code strstrip()}: blanks ({@code " \t\n\r"}) off both ends. */
    public static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && Words.WHITESPACE.indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (b > a && Words.WHITESPACE.indexOf(s.charAt(b - 1)) >= 0) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean isEol(byte b) {
        return b == '\n' || b == '\r' || b == 0;
    }

    /** Consumes one line ending: {@code \n}, {@code \r}, NUL, {@code \n\r}, {@code \r\n}, each optionally followed by NUL. */
    private static int skipEol(byte[] c, int i) {
        if (i >= c.length) {
            return i;
        }
        byte first = c[i++];
        if (first != 0 && i < c.length && (c[i] == '\n' || c[i] == '\r') && c[i] != first) {
            i++;
        }
        if (first != 0 && i < c.length && c[i] == 0) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

}
