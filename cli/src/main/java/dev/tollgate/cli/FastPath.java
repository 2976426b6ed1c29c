package dev.tollgate.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines scripts run most ({@code show}, {@code status}, {@code is-active},
 * {@code is-failed} with their everyday options), parsed without picocli.
 *
 * <p>Why: picocli's jar is compiled for Java 5, and the JVM's AOT cache cannot hold classes
 * that old, so the first use of picocli loads, verifies and interprets some 170 classes from
 * the jar — most of a query's wall time. This parser fills the same fields of the same
 * command objects that picocli would fill, and the command runs the same code; anything it
 * does not know (help, another option, an unusual spelling) goes to picocli instead. A test
 * checks, argument list by argument list, that both parsers agree.
 */
final class FastPath {
    private FastPath() {}

    /** The command for these arguments with its fields filled, or null to leave them to picocli. */
    static Verb parse(String[] args, Tollctl root) {
        String verb = null;
        Verb cmd = null;
        List<String> positional = new ArrayList<>();
        boolean onlyPositional = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (onlyPositional || a.isEmpty() || a.charAt(0) != '-' || a.equals("-")) {
                if (verb == null) {
                    verb = a;
                    cmd = switch (a) {
                        case "show" -> new ShowCommand();
                        case "status" -> new StatusCommand();
                        case "is-active" -> new IsStateCommand.IsActive();
                        case "is-failed" -> new IsStateCommand.IsFailed();
                        case "is-system-running" -> new IsSystemRunningCommand();
                        default -> null;
                    };
                    if (cmd == null || onlyPositional) {
                        return null;
                    }
                } else {
                    positional.add(a);
                }
                continue;
            }
            switch (a) {
                case "--" -> {
                    if (verb == null) {
                        return null;
                    }
                    onlyPositional = true;
                }
                case "--socket" -> {
                    if (i + 1 >= args.length) {
                        return null;
                    }
                    root.socketOption = Path.of(args[++i]);
                }
                case "--json" -> root.json = true;
                case "--no-pager" -> root.noPager = true;
                case "--no-legend" -> root.noLegend = true;
                case "-q", "--quiet" -> root.quiet = true;
                default -> {
                    if (a.startsWith("--socket=")) {
                        root.socketOption = Path.of(a.substring("--socket=".length()));
                    } else if (cmd instanceof IsSystemRunningCommand running && a.equals("--wait")) {
                        running.waitForBoot = true;
                    } else if (cmd instanceof ShowCommand show) {
                        int used = showOption(show, args, i);
                        if (used == 0) {
                            return null;
                        }
                        i += used - 1;
                    } else {
                        return null;
                    }
                }
            }
        }
        if (cmd == null) {
            return null;
        }
        // instanceof rather than a pattern switch: a type switch spins a class at first use.
        if (cmd instanceof ShowCommand s) {
            s.units = positional.isEmpty() ? null : positional;
        } else if (cmd instanceof StatusCommand s) {
            s.units = positional.isEmpty() ? null : positional;
        } else if (cmd instanceof IsStateCommand s) {
            if (positional.isEmpty()) {
                return null; // picocli says what is missing
            }
            s.units = positional;
        } else if (cmd instanceof IsSystemRunningCommand) {
            if (!positional.isEmpty()) {
                return null; // picocli says what is too much
            }
        } else {
            return null;
        }
        cmd.root = root;
        return cmd;
    }

    /** show's own options; returns how many arguments were used, 0 for one this parser does not know. */
    private static int showOption(ShowCommand show, String[] args, int i) {
        String a = args[i];
        switch (a) {
            case "--value" -> {
                show.value = true;
                return 1;
            }
            case "-a", "--all" -> {
                show.all = true;
                return 1;
            }
            case "-p", "--property", "-P" -> {
                if (i + 1 >= args.length || !plain(args[i + 1])) {
                    return 0;
                }
                addProperties(show, a.equals("-P"), args[i + 1]);
                return 2;
            }
            default -> {
                String value = a.startsWith("--property=") ? a.substring("--property=".length())
                        : a.startsWith("-p") || a.startsWith("-P") ? a.substring(2) : null;
                if (value == null || !plain(value)) {
                    return 0;
                }
                addProperties(show, a.startsWith("-P"), value);
                return 1;
            }
        }
    }

    /** A property list this parser splits as picocli does: no option-like or empty parts, no '='. */
    private static boolean plain(String v) {
        return !v.isEmpty() && v.charAt(0) != '-' && v.charAt(0) != '=' && !v.startsWith(",") && !v.endsWith(",")
                && !v.contains(",,");
    }

    private static void addProperties(ShowCommand show, boolean valueOption, String value) {
        if (valueOption) {
            // -P is not split at commas (picocli: no split= on it).
            if (show.valueProperties == null) {
                show.valueProperties = new ArrayList<>();
            }
            show.valueProperties.add(value);
            return;
        }
        if (show.properties == null) {
            show.properties = new ArrayList<>();
        }
        for (String p : value.split(",")) {
            show.properties.add(p);
        }
    }
}
