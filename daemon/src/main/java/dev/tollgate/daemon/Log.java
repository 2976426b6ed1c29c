package dev.tollgate.daemon;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The daemon's log on stderr. Not on a terminal each line starts with a syslog priority
 * ({@code <6>}), which journald and most collectors understand; on a terminal lines are plain,
 * with a time and the level spelled out.
 */
public final class Log {
    public enum Level {
        ERROR(3), WARNING(4), NOTICE(5), INFO(6), DEBUG(7);

        public final int priority;

        Level(int priority) {
            this.priority = priority;
        }

        public static Level parse(String s) {
            for (Level l : values()) if (l.name().equalsIgnoreCase(s) || (l == WARNING && s.equalsIgnoreCase("warn"))) return l;
            throw new IllegalArgumentException("unknown log level '" + s + "' (error, warning, notice, info, debug)");
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static volatile Level threshold = Level.INFO;
    private static volatile boolean terminal = System.console() != null && System.console().isTerminal();
    private static volatile PrintStream out = System.err;

    private Log() {}

    public static void setLevel(Level level) {
        threshold = level;
    }

    public static void setTerminal(boolean onTerminal) {
        terminal = onTerminal;
    }

    static void setStream(PrintStream stream) {
        out = stream;
    }

    public static boolean enabled(Level level) {
        return level.priority <= threshold.priority;
    }

    public static void error(String format, Object... args) {
        log(Level.ERROR, format, args);
    }

    public static void warning(String format, Object... args) {
        log(Level.WARNING, format, args);
    }

    public static void notice(String format, Object... args) {
        log(Level.NOTICE, format, args);
    }

    public static void info(String format, Object... args) {
        log(Level.INFO, format, args);
    }

    public static void debug(String format, Object... args) {
        log(Level.DEBUG, format, args);
    }

    public static void log(Level level, String format, Object... args) {
        if (!enabled(level)) return;
        String text = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (terminal) {
                b.append(LocalTime.now().format(TIME)).append(' ')
                        .append(level == Level.INFO ? "" : level.name().toLowerCase(Locale.ROOT) + ": ").append(line).append('\n');
            } else {
                b.append('<').append(level.priority).append('>').append(line).append('\n');
            }
        }
        synchronized (Log.class) {
            out.print(b);
            out.flush();
        }
    }
}
