package dev.tollgate.units.exec;

import dev.tollgate.units.syntax.CEscape;
import dev.tollgate.units.syntax.Specifiers;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One command of {@code ExecStart=} and friends, parsed as systemd parses it
 * ({@code config_parse_exec()}, systemd.service(5) "Command lines"): quotes and C escapes are
 * resolved and specifiers expanded when the file is read; environment variables are not, so
 * {@link #argv()} is a template that {@link #expandArgv} fills in when the command starts.
 *
 * @param path  the executable: an absolute, simplified path, or a bare file name to look up in
 *              the executable search path at start
 * @param argv  the arguments, {@code argv[0]} first; it is the path as written unless the
 *              {@code @} prefix gave another
 * @param flags the other prefixes
 */
public record ExecCommand(String path, List<String> argv, Set<ExecFlag> flags) {

    public ExecCommand {
        Objects.requireNonNull(path, "path");
        argv = List.copyOf(argv);
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        if (path.isEmpty()) {
            throw new IllegalArgumentException("empty executable path");
        }
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs argv[0]");
        }
    }

    public boolean ignoresFailure() {
        return flags.contains(ExecFlag.IGNORE_FAILURE);
    }

    /** Whether the path is a bare name to be searched for. */
    public boolean needsPathLookup() {
        return !path.startsWith("/");
    }

    /** The arguments with environment variables substituted, unless the {@code :} prefix forbids it. */
    public List<String> expandArgv(Map<String, String> environment) {
        if (flags.contains(ExecFlag.NO_ENV_EXPAND)) {
            return argv;
        }
        return EnvironmentExpansion.expandArgv(argv, environment);
    }

    /**
     * A command line that reads back as this command: prefixes, then every word quoted with its
     * {@code %} doubled so specifier expansion leaves it alone.
     */
    public String toCommandLine() {
        StringBuilder sb = new StringBuilder();
        for (ExecFlag f : List.of(ExecFlag.IGNORE_FAILURE, ExecFlag.NO_ENV_EXPAND)) {
            if (flags.contains(f)) {
                sb.append(f.prefix());
            }
        }
        if (flags.contains(ExecFlag.FULLY_PRIVILEGED)) {
            sb.append('+');
        } else if (flags.contains(ExecFlag.AMBIENT_MAGIC)) {
            sb.append("!!");
        } else if (flags.contains(ExecFlag.NO_SETUID)) {
            sb.append('!');
        }
        boolean separateArgv0 = !argv.get(0).equals(path);
        if (separateArgv0) {
            sb.append('@');
        }
        sb.append(quote(path));
        List<String> rest = separateArgv0 ? argv : argv.subList(1, argv.size());
        for (String a : rest) {
            sb.append(' ').append(quote(a));
        }
        return sb.toString();
    }

    private static String quote(String word) {
        return CEscape.quote(Specifiers.escape(word));
    }

    @Override
    public String toString() {
        String prefix = flags.stream().map(ExecFlag::prefix).sorted().collect(Collectors.joining());
        return prefix + (argv.get(0).equals(path) ? "" : "@") + path + " " + String.join(" ", argv);
    }
}
