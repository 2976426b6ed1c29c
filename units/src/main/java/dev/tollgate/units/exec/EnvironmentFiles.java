package dev.tollgate.units.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the files named by {@code EnvironmentFile=} when a service starts, as systemd 252 does
 * ({@code load_env_file()}, src/basic/env-file.c, then dropping invalid assignments):
 * {@code KEY=value} lines, {@code #} and {@code ;} comments, blanks around keys and unquoted
 * values trimmed, single quotes literal, double quotes with shell-style backslash escapes, and a
 * backslash at the end of a line continuing it. A later assignment of a name replaces the earlier.
 */
public final class EnvironmentFiles {

    private EnvironmentFiles() {}

    /** What a file held: the valid variables in order, and the assignments dropped as invalid. */
    public record Parsed(Map<String, String> variables, List<String> invalid) {
        public Parsed {
            variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
            invalid = List.copyOf(invalid);
        }
    }

    /** The outcome of reading one {@code EnvironmentFile=}. */
    public sealed interface Result permits Result.Read, Result.Failed {
        /** The variables of every file the pattern matched, merged in order. */
        record Read(Parsed parsed, List<Path> files) implements Result {}

        /** A required file could not be read: the service must not start. */
        record Failed(Path path, String reason) implements Result {}
    }

    /**
     * Reads {@code file}; a glob pattern in its last component ({@code /etc/x.d/*.env}) reads every
     * match in name order. A missing or unreadable file fails unless the entry is optional.
     */
    public static Result read(EnvironmentFile file) {
        List<Path> paths = new ArrayList<>();
        Path p = file.path();
        String last = p.getFileName() == null ? "" : p.getFileName().toString();
        if (last.chars().anyMatch(c -> c == '*' || c == '?' || c == '[')) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p.getParent(), last)) {
                ds.forEach(paths::add);
            } catch (IOException | RuntimeException e) {
                // no directory: no matches
            }
            paths.sort(null);
            if (paths.isEmpty()) {
                return file.optional() ? new Result.Read(new Parsed(Map.of(), List.of()), List.of())
                        : new Result.Failed(p, "no file matches the pattern");
            }
        } else {
            paths.add(p);
        }
        Map<String, String> vars = new LinkedHashMap<>();
        List<String> invalid = new ArrayList<>();
        List<Path> read = new ArrayList<>();
        for (Path f : paths) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                if (file.optional()) {
                    continue;
                }
                return new Result.Failed(f, "No such file or directory");
            } catch (IOException | RuntimeException e) {
                if (file.optional()) {
                    continue;
                }
                return new Result.Failed(f, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            Parsed one = parse(text);
            vars.putAll(one.variables());
            invalid.addAll(one.invalid());
            read.add(f);
        }
        return new Result.Read(new Parsed(vars, invalid), read);
    }

    private enum State {
        PRE_KEY, KEY, PRE_VALUE, VALUE, VALUE_ESCAPE, SINGLE_QUOTE_VALUE, DOUBLE_QUOTE_VALUE,
        DOUBLE_QUOTE_VALUE_ESCAPE, COMMENT, COMMENT_ESCAPE
    }

    private static final String WHITESPACE = " \t\n\r";
    private static final String NEWLINE = "\n\r";
    private static final String SHELL_NEED_ESCAPE = "\"\\`$";

    /** {@code parse_env_file_internal()} of systemd 252 over the text of one file. */
    public static Parsed parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> invalid = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        StringBuilder value = new StringBuilder();
        int lastKeyWhitespace = -1;
        int lastValueWhitespace = -1;
        State state = State.PRE_KEY;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (state) {
                case PRE_KEY -> {
                    if (c == '#' || c == ';') {
                        state = State.COMMENT;
                    } else if (WHITESPACE.indexOf(c) < 0) {
                        state = State.KEY;
                        lastKeyWhitespace = -1;
                        key.append(c);
                    }
                }
                case KEY -> {
                    if (NEWLINE.indexOf(c) >= 0) {
                        state = State.PRE_KEY;
                        key.setLength(0);
                    } else if (c == '=') {
                        state = State.PRE_VALUE;
                        lastValueWhitespace = -1;
                    } else {
                        if (WHITESPACE.indexOf(c) < 0) {
                            lastKeyWhitespace = -1;
                        } else if (lastKeyWhitespace < 0) {
                            lastKeyWhitespace = key.length();
                        }
                        key.append(c);
                    }
                }
                case PRE_VALUE -> {
                    if (NEWLINE.indexOf(c) >= 0) {
                        state = State.PRE_KEY;
                        push(out, invalid, key, lastKeyWhitespace, value.toString());
                        value.setLength(0);
                    } else if (c == '\'') {
                        state = State.SINGLE_QUOTE_VALUE;
                    } else if (c == '"') {
                        state = State.DOUBLE_QUOTE_VALUE;
                    } else if (c == '\\') {
                        state = State.VALUE_ESCAPE;
                    } else if (WHITESPACE.indexOf(c) < 0) {
                        state = State.VALUE;
                        value.append(c);
                    }
                }
                case VALUE -> {
                    if (NEWLINE.indexOf(c) >= 0) {
                        state = State.PRE_KEY;
                        if (lastValueWhitespace >= 0) {
                            value.setLength(lastValueWhitespace);
                        }
                        push(out, invalid, key, lastKeyWhitespace, value.toString());
                        value.setLength(0);
                    } else if (c == '\\') {
                        state = State.VALUE_ESCAPE;
                        lastValueWhitespace = -1;
                    } else {
                        if (WHITESPACE.indexOf(c) < 0) {
                            lastValueWhitespace = -1;
                        } else if (lastValueWhitespace < 0) {
                            lastValueWhitespace = value.length();
                        }
                        value.append(c);
                    }
                }
                case VALUE_ESCAPE -> {
                    state = State.VALUE;
                    if (NEWLINE.indexOf(c) < 0) {
                        value.append(c); // an escaped newline is eaten entirely
                    }
                }
                case SINGLE_QUOTE_VALUE -> {
                    if (c == '\'') {
                        state = State.PRE_VALUE;
                    } else {
                        value.append(c);
                    }
                }
                case DOUBLE_QUOTE_VALUE -> {
                    if (c == '"') {
                        state = State.PRE_VALUE;
                    } else if (c == '\\') {
                        state = State.DOUBLE_QUOTE_VALUE_ESCAPE;
                    } else {
                        value.append(c);
                    }
                }
                case DOUBLE_QUOTE_VALUE_ESCAPE -> {
                    state = State.DOUBLE_QUOTE_VALUE;
                    if (SHELL_NEED_ESCAPE.indexOf(c) >= 0) {
                        value.append(c);
                    } else if (c != '\n') {
                        value.append('\\').append(c); // kept, as a shell keeps it
                    }
                }
                case COMMENT -> {
                    if (c == '\\') {
                        state = State.COMMENT_ESCAPE;
                    } else if (NEWLINE.indexOf(c) >= 0) {
                        state = State.PRE_KEY;
                    }
                }
                case COMMENT_ESCAPE -> state = State.COMMENT; // systemd 252: an escaped newline continues the comment
            }
        }
        switch (state) {
            case PRE_VALUE, VALUE, VALUE_ESCAPE, SINGLE_QUOTE_VALUE, DOUBLE_QUOTE_VALUE, DOUBLE_QUOTE_VALUE_ESCAPE -> {
                if (state == State.VALUE && lastValueWhitespace >= 0) {
                    value.setLength(lastValueWhitespace);
                }
                push(out, invalid, key, lastKeyWhitespace, value.toString());
            }
            default -> { }
        }
        return new Parsed(out, invalid);
    }

    private static void push(Map<String, String> out, List<String> invalid, StringBuilder key, int lastKeyWhitespace, String value) {
        if (lastKeyWhitespace >= 0) {
            key.setLength(lastKeyWhitespace);
        }
        String k = key.toString();
        key.setLength(0);
        if (EnvironmentExpansion.isValidName(k)) {
            out.put(k, value); // strv_env_replace(): a later value replaces in place
        } else {
            invalid.add(k + "=" + value);
        }
    }
}
