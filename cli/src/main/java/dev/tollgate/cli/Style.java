package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How output is decorated: colour and bold, the ● before a unit, and tree glyphs. Decoration
 * and colour only when stdout is a terminal (as systemctl, which also honours
 * {@code NO_COLOR}); box-drawing glyphs only when stdout's charset is UTF-8, else ASCII (as
 * systemd's {@code special_glyph} does for a non-UTF-8 locale).
 *
 * @param decorate stdout is a terminal: ● markers, bold headers, screen redraws
 * @param colour ANSI colours and bold
 * @param unicode box-drawing characters and ●
 */
public record Style(boolean decorate, boolean colour, boolean unicode) {
    /** No decoration, ASCII: what tests and pipes see when the charset is not UTF-8. */
    public static final Style PLAIN_ASCII = new Style(false, false, false);
    /** No decoration, UTF-8 glyphs: what a pipe sees under a UTF-8 locale. */
    public static final Style PLAIN = new Style(false, false, true);

    private static final String BOLD = "\u001b[1m";
    private static final String RED = "\u001b[0;1;31m";
    private static final String GREEN = "\u001b[0;1;32m";
    private static final String YELLOW = "\u001b[0;1;33m";
    private static final String GREY = "\u001b[0;38;5;245m";
    private static final String NORMAL = "\u001b[0m";

    /**
     * The style for this process: decorated when stdout is a terminal;
     * {@code TOLLCTL_COLORS=0|1} forces colour off or on, {@code NO_COLOR} and {@code TERM=dumb}
     * turn it off.
     */
    public static Style detect(Charset stdout) {
        boolean tty = stdoutIsTerminal();
        String force = System.getenv("TOLLCTL_COLORS");
        boolean colour = tty && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
        if ("1".equals(force) || "yes".equals(force) || "true".equals(force)) {
            colour = true;
        } else if ("0".equals(force) || "no".equals(force) || "false".equals(force)) {
            colour = false;
        }
        boolean unicode = stdout.equals(StandardCharsets.UTF_8);
        return new Style(tty || colour, colour, unicode);
    }

    /**
     * Whether fd 1 is a terminal, from what /proc/self/fd/1 links to. {@link System#console()}
     * says the same but costs over 10 ms on JDK 25 (it looks up a console provider), and
     * tollctl is for Linux, where /proc is; without /proc it is asked after all.
     */
    static boolean stdoutIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            java.io.Console console = System.console();
            return console != null && console.isTerminal();
        }
    }

    private String wrap(String code, String s) {
        return colour ? code + s + NORMAL : s;
    }

    public String bold(String s) {
        return wrap(BOLD, s);
    }

    public String red(String s) {
        return wrap(RED, s);
    }

    public String green(String s) {
        return wrap(GREEN, s);
    }

    public String yellow(String s) {
        return wrap(YELLOW, s);
    }

    public String grey(String s) {
        return wrap(GREY, s);
    }

    /** A state word coloured as systemctl colours it: active green, failed red. */
    public String state(ActiveState state, String text) {
        return switch (state) {
            case ACTIVE, RELOADING -> green(text);
            case FAILED -> red(text);
            default -> text;
        };
    }

    /** The ● (or *) before a unit, coloured by its state; empty without decoration. */
    public String dot(ActiveState state) {
        if (!decorate) {
            return "";
        }
        String d = unicode ? "\u25cf" : "*";
        return switch (state) {
            case ACTIVE, RELOADING -> green(d) + " ";
            case FAILED -> red(d) + " ";
            case ACTIVATING, DEACTIVATING -> d + " ";
            default -> d + " ";
        };
    }

    /** The ● for list-units' first column: only for failed or not loaded units. */
    public String listMarker(boolean failed, boolean notLoaded) {
        String d = unicode ? "\u25cf" : "*";
        if (failed) {
            return red(d);
        }
        if (notLoaded) {
            return yellow(d);
        }
        return " ";
    }

    /** "├─" for a child with siblings after it. */
    public String branch() {
        return unicode ? "\u251c\u2500" : "|-";
    }

    /** "└─" for the last child. */
    public String lastBranch() {
        return unicode ? "\u2514\u2500" : "`-";
    }

    /** "│ " below a child with siblings after it. */
    public String vertical() {
        return unicode ? "\u2502 " : "| ";
    }

    /** Two spaces below the last child. */
    public String space() {
        return "  ";
    }
}
