package dev.tollgate.cli;

import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.varlink.NotRunningException;
import dev.tollgate.varlink.VarlinkException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * tollctl: systemctl's verbs for tollgated, over its Varlink socket.
 *
 * <p>Start-up time matters (a query should cost a few JVM start-ups at most): the everyday
 * queries ({@code show}, {@code status}, {@code is-active}, {@code is-failed}) are parsed by
 * {@link FastPath} without picocli and fetch their unit with {@link UnitClient} without
 * Jackson's data binding; for every other command line only the verb being run is registered
 * with picocli (each registration reflects over a command class); and the launcher runs with
 * a JDK AOT cache trained on these paths ({@link AotTraining}).
 */
@Command(name = "tollctl", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = Tollctl.Version.class, sortOptions = false, usageHelpAutoWidth = true,
        description = "Query and control tollgated, the cgroup BPF attach manager: units, their IP traffic, "
                + "their firewalls. Without a verb: list-units.",
        footer = {"", "Exit status as systemctl's: 0 success, 1 failure, 2 bad usage, 3 not active (status, is-active), "
                + "4 no such unit (status, is-*) or access denied, 5 no such unit (start, stop, restart), "
                + "6 bad unit file; is-system-running: 0 running, 1 otherwise; run --wait: the command's status."})
public final class Tollctl implements Callable<Integer> {
    /** The environment variable naming the socket when --socket is not given. */
    public static final String SOCKET_ENV = "TOLLCTL_SOCKET";

    /** Every verb, in the order help lists them. */
    static final List<String> VERBS = List.of("list-units", "list-unit-files", "status", "show", "cat", "start", "stop", "restart", "enable",
            "disable", "is-active", "is-failed", "is-system-running", "daemon-reload", "run", "tree", "top", "drops", "metrics", "probe", "version",
            "completion");

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "tollgated's socket (default: $" + SOCKET_ENV + ", else /run/tollgate/io.tollgate.Manager).")
    Path socketOption;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON (stable camelCase field names).")
    boolean json;

    @Option(names = "--no-pager", scope = ScopeType.INHERIT, description = "Accepted for systemctl compatibility; tollctl never pages.")
    boolean noPager;

    @Option(names = "--no-legend", scope = ScopeType.INHERIT, description = "No column headers and footers.")
    boolean noLegend;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "Print less: no states (is-*), no progress.")
    boolean quiet;

    PrintStream out;
    PrintStream err;
    Map<String, String> env;
    private Style style;

    @Override
    public Integer call() {
        // Not reached: run() turns a missing verb into list-units.
        return ExitCodes.SUCCESS;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv());
        System.out.flush();
        System.err.flush();
        // halt, not exit: tollctl has no shutdown hooks, and Runtime.exit sets up System.Logger
        // (to log the exit) at a cost of milliseconds in every query.
        Runtime.getRuntime().halt(code);
    }

    /** Runs one command line; returns the exit code. Output goes to {@code out} and {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Tollctl fast = new Tollctl();
        fast.out = out;
        fast.err = err;
        fast.env = env;
        Verb verbFast = FastPath.parse(args, fast);
        if (verbFast != null) {
            try {
                return verbFast.execute();
            } catch (Exception e) {
                return fast.failed(e);
            }
        }
        Tollctl root = new Tollctl();
        root.out = out;
        root.err = err;
        root.env = env;
        List<String> argv = new ArrayList<>(List.of(args));
        String verb = verbOf(argv);
        boolean help = argv.contains("-h") || argv.contains("--help") || argv.contains("-V") || argv.contains("--version");
        if (verb == null && !help) {
            argv.add("list-units");
            verb = "list-units";
        }
        boolean known = verb != null && VERBS.contains(verb) && !verb.equals("completion");
        CommandLine cl = commandLine(root, known ? List.of(verb) : VERBS);
        cl.setOut(new PrintWriter(out, true, out.charset()));
        cl.setErr(new PrintWriter(err, true, err.charset()));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> root.failed(e));
        cl.setParameterExceptionHandler(Tollctl::badUsage);
        return cl.execute(argv.toArray(String[]::new));
    }

    /** The command line with these verbs registered. */
    static CommandLine commandLine(Tollctl root, List<String> verbs) {
        CommandLine cl = new CommandLine(root);
        for (String v : verbs) {
            cl.addSubcommand(v, newVerb(v));
        }
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) {
            // systemd-run: everything after the command's name is the command's.
            run.setStopAtPositional(true);
        }
        return cl;
    }

    /** A switch, not a table of constructor references: no lambda to spin at start-up. */
    private static Object newVerb(String name) {
        return switch (name) {
            case "list-units" -> new ListUnitsCommand();
            case "list-unit-files" -> new ListUnitFilesCommand();
            case "status" -> new StatusCommand();
            case "show" -> new ShowCommand();
            case "cat" -> new CatCommand();
            case "start" -> new JobCommand.Start();
            case "stop" -> new JobCommand.Stop();
            case "restart" -> new JobCommand.Restart();
            case "enable" -> new EnableCommand.Enable();
            case "disable" -> new EnableCommand.Disable();
            case "is-active" -> new IsStateCommand.IsActive();
            case "is-failed" -> new IsStateCommand.IsFailed();
            case "is-system-running" -> new IsSystemRunningCommand();
            case "daemon-reload" -> new DaemonReloadCommand();
            case "run" -> new RunCommand();
            case "tree" -> new TreeCommand();
            case "top" -> new TopCommand();
            case "drops" -> new DropsCommand();
            case "metrics" -> new MetricsCommand();
            case "probe" -> new ProbeCommand();
            case "version" -> new VersionCommand();
            case "completion" -> new CompletionCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The first argument that is not an option (nor the value of --socket), or null. */
    static String verbOf(List<String> argv) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                return i + 1 < argv.size() ? argv.get(i + 1) : null;
            }
            if (a.equals("--socket")) {
                i++;
                continue;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                return a;
            }
        }
        return null;
    }

    // ---- what verbs share --------------------------------------------------------------------

    /** The socket: --socket, else $TOLLCTL_SOCKET, else tollgated's default. */
    Path socket() {
        if (socketOption != null) {
            return socketOption;
        }
        String fromEnv = env.get(SOCKET_ENV);
        return fromEnv != null && !fromEnv.isEmpty() ? Path.of(fromEnv) : ManagerInterface.DEFAULT_SOCKET;
    }

    /** A connection to tollgated; NotRunningException when there is none. */
    ManagerClient connect() throws IOException {
        return ManagerClient.connect(socket());
    }

    Style style() {
        if (style == null) {
            style = out == System.out ? Style.detect(out.charset()) : new Style(false, false, out.charset().equals(StandardCharsets.UTF_8));
        }
        return style;
    }

    void printJson(Object value) {
        Json.print(value, out);
    }

    /** Prints lines, each ended by a newline, in one write. */
    void print(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append('\n');
        }
        out.print(b);
    }

    // ---- errors ------------------------------------------------------------------------------

    /** What an exception out of a verb prints, and the exit code it becomes. */
    private int failed(Exception e) {
        switch (e) {
            case Failure f -> {
                if (f.getMessage() != null) {
                    err.println(f.getMessage());
                }
                return f.exitCode();
            }
            case NotRunningException n -> {
                err.println(notRunning(n));
                return ExitCodes.FAILURE;
            }
            case AccessDeniedException a -> {
                err.println("tollctl: access to " + socket() + " denied; tollgated's socket is for local users "
                        + "(is it mode 0666?).");
                return ExitCodes.NO_PERMISSION;
            }
            case VarlinkException v -> {
                err.println("tollctl: " + Errors.describe(v));
                return ExitCodes.FAILURE;
            }
            case IOException io -> {
                err.println("tollctl: " + socket() + ": " + io.getMessage());
                return ExitCodes.FAILURE;
            }
            default -> {
                err.println("tollctl: " + e);
                if (env.containsKey("TOLLCTL_DEBUG")) {
                    e.printStackTrace(err);
                }
                return ExitCodes.FAILURE;
            }
        }
    }

    /** One line: that tollgated is not running, where we looked, and how to start it. */
    static String notRunning(NotRunningException n) {
        String where = n.reason().startsWith("no such socket")
                ? "no socket at " + n.socket()
                : n.socket() + " refuses connections: a stale socket?";
        return "tollctl: tollgated is not running (" + where + "); start it with 'systemctl start tollgated' or "
                + "'tollgated', or point --socket or $" + SOCKET_ENV + " at its socket.";
    }

    private static int badUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter w = cmd.getErr();
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException u && cmd.getCommandSpec().parent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "Unknown command verb '" + u.getUnmatched().getFirst() + "'.";
        }
        w.println("tollctl: " + message);
        CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
        w.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        w.flush();
        return ExitCodes.USAGE;
    }

    /** The version from the jar's resources (filled in by Maven). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tollctl " + version()};
        }
    }

    static String version() {
        try (InputStream in = Tollctl.class.getResourceAsStream("tollctl.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
