package dev.tollgate.units.exec;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.syntax.PathNames;
import dev.tollgate.units.syntax.Specifiers;
import dev.tollgate.units.syntax.Words;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Splits one {@code ExecStart=}-style value into commands exactly as systemd's
 * {@code config_parse_exec()} (src/core/load-fragment.c) does:
 *
 * <ul>
 *   <li>words are unquoted and C-unescaped; a word that is a lone {@code ;} separates commands,
 *       {@code \;} is a literal {@code ;} argument;</li>
 *   <li>the first word may start with the prefixes {@code - @ : + ! !!} in any order (one of
 *       {@code + ! !!}); with {@code @} the second word is {@code argv[0]};</li>
 *   <li>the executable must be an absolute path or a bare file name, without control characters
 *       or quotes, not ending in {@code /};</li>
 *   <li>specifiers are expanded in every word after unquoting.</li>
 * </ul>
 *
 * A problem with a command prefixed {@code -} is a warning and drops the rest of the value; without
 * {@code -} it makes the unit fail to load ({@link LogLevel#ERROR}), as in systemd.
 */
public final class CommandLineParser {

    private static final Set<Words.Flag> FLAGS = EnumSet.of(Words.Flag.UNQUOTE, Words.Flag.CUNESCAPE);

    private CommandLineParser() {}

    /** One thing to tell the user about the value. */
    public record Issue(LogLevel severity, String message) {}

    /** The commands found, in order, and what went wrong on the way. */
    public record Result(List<ExecCommand> commands, List<Issue> issues) {
        public boolean fatal() {
            return issues.stream().anyMatch(i -> i.severity() == LogLevel.ERROR);
        }
    }

    /**
     * @param rvalue a non-empty value (the empty value resets the list; the caller handles it)
     * @param pathPrintf  specifier expansion for the executable ({@code unit_path_printf})
     * @param fullPrintf  specifier expansion for the arguments ({@code unit_full_printf})
     */
    public static Result parse(String rvalue,
                               Function<String, Specifiers.Result> pathPrintf,
                               Function<String, Specifiers.Result> fullPrintf) {
        List<ExecCommand> commands = new ArrayList<>();
        List<Issue> issues = new ArrayList<>();
        Words p = new Words(rvalue);
        // Where the current command starts; its text is built only for a message, since copying
        // the rest of a long line for every command would make parsing quadratic.
        int commandStart = p.position();
        boolean semicolon;
        do {
            semicolon = false;
            Words.Relaxed first;
            try {
                first = p.nextOrRelax(Words.WHITESPACE, FLAGS);
            } catch (Words.InvalidWordException e) {
                // systemd logs this and returns 0: not fatal by itself.
                issues.add(new Issue(LogLevel.WARNING, "Unbalanced quoting, ignoring: \"" + p.textFrom(commandStart) + "\""));
                return new Result(commands, issues);
            }
            if (first == null) {
                break;
            }
            if (first.keptUnknownEscapes()) {
                issues.add(new Issue(LogLevel.WARNING, "Ignoring unknown escape sequences: \"" + first.word() + "\""));
            }
            String firstword = first.word();
            if (firstword.equals(";")) {
                semicolon = true;
                continue;
            }

            Set<ExecFlag> flags = EnumSet.noneOf(ExecFlag.class);
            boolean ignore = false;
            boolean separateArgv0 = false;
            int f = 0;
            for (;; f++) {
                char c = f < firstword.length() ? firstword.charAt(f) : 0;
                if (c == '-' && !flags.contains(ExecFlag.IGNORE_FAILURE)) {
                    flags.add(ExecFlag.IGNORE_FAILURE);
                    ignore = true;
                } else if (c == '@' && !separateArgv0) {
                    separateArgv0 = true;
                } else if (c == ':' && !flags.contains(ExecFlag.NO_ENV_EXPAND)) {
                    flags.add(ExecFlag.NO_ENV_EXPAND);
                } else if (c == '+' && !flags.contains(ExecFlag.FULLY_PRIVILEGED)
                        && !flags.contains(ExecFlag.NO_SETUID) && !flags.contains(ExecFlag.AMBIENT_MAGIC)) {
                    flags.add(ExecFlag.FULLY_PRIVILEGED);
                } else if (c == '!' && !flags.contains(ExecFlag.FULLY_PRIVILEGED)
                        && !flags.contains(ExecFlag.NO_SETUID) && !flags.contains(ExecFlag.AMBIENT_MAGIC)) {
                    flags.add(ExecFlag.NO_SETUID);
                } else if (c == '!' && !flags.contains(ExecFlag.FULLY_PRIVILEGED)
                        && !flags.contains(ExecFlag.AMBIENT_MAGIC)) {
                    flags.remove(ExecFlag.NO_SETUID);
                    flags.add(ExecFlag.AMBIENT_MAGIC);
                } else {
                    break;
                }
            }
            LogLevel level = ignore ? LogLevel.WARNING : LogLevel.ERROR;
            String suffix = ignore ? ", ignoring" : "";

            String raw = firstword.substring(f);
            Specifiers.Result resolved = pathPrintf.apply(raw);
            if (resolved instanceof Specifiers.Result.Failed failed) {
                issues.add(new Issue(level, "Failed to resolve unit specifiers in '" + raw + "'" + suffix + ": " + failed.reason()));
                return new Result(commands, issues);
            }
            String path = ((Specifiers.Result.Ok) resolved).value();
            String problem = null;
            if (path.isEmpty()) {
                problem = "Empty path in command line" + suffix + ": '" + p.textFrom(commandStart) + "'";
            } else if (!PathNames.isSafe(path)) {
                problem = "Executable name contains special characters" + suffix + ": " + path;
            } else if (path.endsWith("/")) {
                problem = "Executable path specifies a directory" + suffix + ": " + path;
            } else if (!(PathNames.isAbsolute(path) ? PathNames.isValid(path) : PathNames.isValidFilename(path))) {
                problem = "Neither a valid executable name nor an absolute path" + suffix + ": " + path;
            }
            if (problem != null) {
                issues.add(new Issue(level, problem));
                return new Result(commands, issues);
            }

            List<String> argv = new ArrayList<>();
            if (!separateArgv0) {
                argv.add(path);
            }
            String simplified = PathNames.isAbsolute(path) ? PathNames.simplify(path) : path;

            while (!p.atEnd()) {
                int c0 = p.peek(0), c1 = p.peek(1), c2 = p.peek(2);
                if (c0 == ';' && (c1 < 0 || Words.WHITESPACE.indexOf(c1) >= 0)) {
                    p.skip(1);
                    p.skipAll(Words.WHITESPACE);
                    semicolon = true;
                    break;
                }
                if (c0 == '\\' && c1 == ';' && (c2 < 0 || Words.WHITESPACE.indexOf(c2) >= 0)) {
                    p.skip(2);
                    p.skipAll(Words.WHITESPACE);
                    argv.add(";");
                    continue;
                }
                Words.Relaxed word;
                try {
                    word = p.nextOrRelax(Words.WHITESPACE, FLAGS);
                } catch (Words.InvalidWordException e) {
                    issues.add(new Issue(level, "Unbalanced quoting" + suffix + ": \"" + p.textFrom(commandStart) + "\""));
                    return new Result(commands, issues);
                }
                if (word == null) {
                    break;
                }
                if (word.keptUnknownEscapes()) {
                    issues.add(new Issue(LogLevel.WARNING, "Ignoring unknown escape sequences: \"" + word.word() + "\""));
                }
                Specifiers.Result arg = fullPrintf.apply(word.word());
                if (arg instanceof Specifiers.Result.Failed failed) {
                    issues.add(new Issue(level, "Failed to resolve unit specifiers in " + word.word() + suffix + ": " + failed.reason()));
                    return new Result(commands, issues);
                }
                argv.add(((Specifiers.Result.Ok) arg).value());
            }

            if (argv.isEmpty()) {
                issues.add(new Issue(level, "Empty executable name or zeroeth argument" + suffix + ": " + p.textFrom(commandStart)));
                return new Result(commands, issues);
            }
            commands.add(new ExecCommand(simplified, argv, flags));
            commandStart = p.position();
        } while (semicolon);
        return new Result(commands, issues);
    }
}
