package dev.tollgate.units.syntax;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A cursor over a value that hands out one word at a time, following systemd's
 * {@code extract_first_word()} (src/basic/extract-word.c) flag for flag, so each directive can
 * split its value exactly as systemd does for it: IP lists split on whitespace without unquoting,
 * {@code ExecStart=} unquotes and decodes C escapes, {@code BPFProgram=} splits on {@code :}.
 *
 * <p>Quotes may open anywhere in a word ({@code a"b c"d} is one word, {@code ab cd}), as in
 * systemd since v232; the man page's "at the beginning of a word" is stricter than the code.
 * A backslash outside {@link Flag#RETAIN_ESCAPE} takes the next character literally, or decodes
 * it with {@link Flag#CUNESCAPE}.
 */
public final class Words {

    /** systemd's {@code WHITESPACE}. */
    public static final String WHITESPACE = " \t\n\r";

    /** The subset of systemd's {@code ExtractFlags} that unit file parsing uses. */
    public enum Flag {
        /** Unbalanced quotes and a trailing backslash end the word instead of failing. */
        RELAX,
        /** Remove quotes ({@code EXTRACT_UNQUOTE}). */
        UNQUOTE,
        /** Decode C escapes ({@code EXTRACT_CUNESCAPE}). */
        CUNESCAPE,
        /** Keep unknown escapes verbatim ({@code EXTRACT_UNESCAPE_RELAX}). */
        CUNESCAPE_RELAX,
        /** Backslashes are ordinary characters ({@code EXTRACT_RETAIN_ESCAPE}). */
        RETAIN_ESCAPE,
        /** Every separator ends a word, so empty words exist. */
        DONT_COALESCE_SEPARATORS,
        /** A backslash before a separator or a backslash yields that character. */
        UNESCAPE_SEPARATORS,
    }

    /** Why a word could not be extracted: systemd's {@code -EINVAL} cases. */
    public enum Problem {
        /** A quote was opened and never closed. */
        UNBALANCED_QUOTES,
        /** A backslash was followed by nothing, or by an escape systemd does not know. */
        BAD_ESCAPE,
    }

    /** Thrown by {@link #next} for input systemd rejects; never escapes this module's API. */
    public static final class InvalidWordException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;

        InvalidWordException(Problem problem) {
            super(problem.name(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    private final int[] cps;
    /** Index of the next code point, or -1 once systemd's {@code *p} would be NULL. */
    private int pos;

    public Words(String value) {
        this.cps = value.codePoints().toArray();
        this.pos = 0;
    }

    /** True when systemd's cursor would be NULL or at the terminating NUL. */
    public boolean atEnd() {
        return pos < 0 || pos >= cps.length;
    }

    /**
     * True once systemd's cursor is NULL: the last word ended at the end of the value. After a
     * separator that ended a word without coalescing, the cursor is not NULL even at the end.
     */
    public boolean exhausted() {
        return pos < 0;
    }

    /** What is left of the value, as systemd's {@code p} sees it ({@code ""} when NULL). */
    public String rest() {
        return pos < 0 ? "" : new String(cps, pos, cps.length - pos);
    }

    /** The code point {@code k} places after the cursor, or -1 past the end: a look-ahead that copies nothing. */
    public int peek(int k) {
        int i = pos + k;
        return pos < 0 || i >= cps.length ? -1 : cps[i];
    }

    /** Where the cursor is, for {@link #textFrom}; -1 when systemd's cursor is NULL. */
    public int position() {
        return pos;
    }

    /** The value from an earlier {@link #position()} to its end. */
    public String textFrom(int position) {
        return position < 0 ? "" : new String(cps, position, cps.length - position);
    }

    /** Moves the cursor by {@code n} code points (for callers that peek at {@link #rest()}). */
    public void skip(int n) {
        if (pos >= 0) {
            pos = Math.min(cps.length, pos + n);
        }
    }

    /** Moves the cursor past any characters in {@code chars}. */
    public void skipAll(String chars) {
        if (pos < 0) {
            return;
        }
        while (pos < cps.length && chars.indexOf(cps[pos]) >= 0) {
            pos++;
        }
    }

    /** Splits a whole value with whitespace separators. */
    public static List<String> split(String value, Set<Flag> flags) throws InvalidWordException {
        Words w = new Words(value);
        List<String> out = new ArrayList<>();
        for (String word; (word = w.next(WHITESPACE, flags)) != null; ) {
            out.add(word);
        }
        return out;
    }

    public static List<String> split(String value, Flag... flags) throws InvalidWordException {
        return split(value, flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags));
    }

    public String next(Flag... flags) throws InvalidWordException {
        return next(WHITESPACE, flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags));
    }

    /**
     * The next word, or {@code null} when there is none. On failure the cursor is left where
     * systemd leaves it (at the offending character), so a retry must start from a copy.
     */
    public String next(String separators, Set<Flag> flags) throws InvalidWordException {
        if (pos < 0) {
            return null;
        }
        boolean dontCoalesce = flags.contains(Flag.DONT_COALESCE_SEPARATORS);
        Utf8Buffer s = dontCoalesce ? new Utf8Buffer() : null;

        // Skip leading separators (or, without coalescing, a lone separator is an empty word).
        for (;; pos++) {
            int c = at(pos);
            if (c == 0) {
                pos = -1;
                return s == null ? null : s.toString();
            } else if (separators.indexOf(c) >= 0) {
                if (dontCoalesce) {
                    pos++;
                    return s.toString();
                }
            } else {
                if (s == null) {
                    s = new Utf8Buffer();
                }
                break;
            }
        }

        int quote = 0;
        boolean backslash = false;
        for (;; pos++) {
            int c = at(pos);
            if (backslash) {
                if (c == 0) {
                    if (flags.contains(Flag.CUNESCAPE_RELAX) && (quote == 0 || flags.contains(Flag.RELAX))) {
                        s.appendCodePoint('\\');
                        pos = -1;
                        return s.toString();
                    }
                    if (flags.contains(Flag.RELAX)) {
                        pos = -1;
                        return s.toString();
                    }
                    throw new InvalidWordException(Problem.BAD_ESCAPE);
                }
                if (flags.contains(Flag.CUNESCAPE) || flags.contains(Flag.UNESCAPE_SEPARATORS)) {
                    CEscape.Decoded d = flags.contains(Flag.CUNESCAPE) ? CEscape.decodeOne(cps, pos) : null;
                    if (d != null) {
                        pos += d.consumed() - 1;
                        if (d.rawByte()) {
                            s.appendByte(d.value());
                        } else {
                            s.appendCodePoint(d.value());
                        }
                    } else if (flags.contains(Flag.UNESCAPE_SEPARATORS) && (separators.indexOf(c) >= 0 || c == '\\')) {
                        s.appendCodePoint(c);
                    } else if (flags.contains(Flag.CUNESCAPE_RELAX)) {
                        s.appendCodePoint('\\');
                        s.appendCodePoint(c);
                    } else {
                        throw new InvalidWordException(Problem.BAD_ESCAPE);
                    }
                } else {
                    s.appendCodePoint(c);
                }
                backslash = false;
            } else if (quote != 0) {
                for (;; pos++) {
                    c = at(pos);
                    if (c == 0) {
                        if (flags.contains(Flag.RELAX)) {
                            pos = -1;
                            return s.toString();
                        }
                        throw new InvalidWordException(Problem.UNBALANCED_QUOTES);
                    } else if (c == quote) {
                        quote = 0;
                        break;
                    } else if (c == '\\' && !flags.contains(Flag.RETAIN_ESCAPE)) {
                        backslash = true;
                        break;
                    }
                    s.appendCodePoint(c);
                }
            } else {
                for (;; pos++) {
                    c = at(pos);
                    if (c == 0) {
                        pos = -1;
                        return s.toString();
                    } else if ((c == '\'' || c == '"') && flags.contains(Flag.UNQUOTE)) {
                        quote = c;
                        break;
                    } else if (c == '\\' && !flags.contains(Flag.RETAIN_ESCAPE)) {
                        backslash = true;
                        break;
                    } else if (separators.indexOf(c) >= 0) {
                        if (dontCoalesce) {
                            pos++;
                            return s.toString();
                        }
                        for (;; pos++) {
                            c = at(pos);
                            if (c == 0) {
                                pos = -1;
                                return s.toString();
                            }
                            if (separators.indexOf(c) < 0) {
                                break;
                            }
                        }
                        return s.toString();
                    }
                    s.appendCodePoint(c);
                }
            }
        }
    }

    /** A word taken by {@link #nextOrRelax}, and whether unknown escapes were kept verbatim. */
    public record Relaxed(String word, boolean keptUnknownEscapes) {}

    /**
     * systemd's {@code extract_first_word_and_warn()}: try strictly; if that fails, retry from the
     * same place keeping unknown escapes verbatim (the caller warns "Ignoring unknown escape
     * sequences"); if that fails too the quoting is unbalanced and this throws.
     *
     * @return the word, or {@code null} at the end
     */
    public Relaxed nextOrRelax(String separators, Set<Flag> flags) throws InvalidWordException {
        int saved = pos;
        try {
            String w = next(separators, flags);
            return w == null ? null : new Relaxed(w, false);
        } catch (InvalidWordException strict) {
            if (flags.contains(Flag.CUNESCAPE_RELAX)) {
                throw strict;
            }
            pos = saved;
            EnumSet<Flag> relaxed = flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags);
            relaxed.add(Flag.CUNESCAPE_RELAX);
            try {
                String w = next(separators, relaxed);
                return w == null ? null : new Relaxed(w, true);
            } catch (InvalidWordException again) {
                throw new InvalidWordException(Problem.UNBALANCED_QUOTES);
            }
        }
    }

    private int at(int i) {
        return i < cps.length ? cps[i] : 0;
    }

    /**
     * Collects a word as UTF-8 bytes, because {@code \xHH} and octal escapes yield raw bytes
     * that only become characters together ({@code \xc3\xa9} is "é"), as in systemd.
     */
    static final class Utf8Buffer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void appendByte(int b) {
            bytes.write(b);
        }

        void appendCodePoint(int cp) {
            if (cp < 0x80) {
                bytes.write(cp);
            } else {
                byte[] enc = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                bytes.write(enc, 0, enc.length);
            }
        }

        @Override
        public String toString() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
