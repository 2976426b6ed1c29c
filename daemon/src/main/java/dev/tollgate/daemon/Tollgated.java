package dev.tollgate.daemon;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgated}: the command line of the daemon. */
@Command(name = "tollgated", mixinStandardHelpOptions = true, version = "tollgated 0.1.0",
        description = {"Runs services from systemd-style unit files in a cgroup v2 tree and puts IP accounting "
                + "and IP firewall eBPF programs on their cgroups.",
                "Settings come from the config file (the same keys without dashes), the command line wins."})
public final class Tollgated implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/etc/tollgate/tollgated.conf";

    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: ${DEFAULT-VALUE}).",
            defaultValue = DEFAULT_CONFIG)
    Path configFile;
    @Option(names = "--units-path", paramLabel = "DIR[:DIR...]", description = "Unit search path, highest priority first.")
    String unitsPath;
    @Option(names = "--socket", paramLabel = "PATH", description = "Varlink socket (default /run/tollgate/io.tollgate.Manager).")
    String socket;
    @Option(names = "--cgroup-root", paramLabel = "PATH", description = "cgroup under which tollgate owns everything, relative to the cgroup2 mount.")
    String cgroupRoot;
    @Option(names = "--bpffs-dir", paramLabel = "PATH", description = "Where pins live (default /sys/fs/bpf/tollgate).")
    String bpffsDir;
    @Option(names = "--state-dir", paramLabel = "PATH", description = "Runtime state (default /run/tollgate).")
    String stateDir;
    @Option(names = "--attach-mode", paramLabel = "MODE", description = "auto, link, multi or single (default auto: the best the kernel has).")
    String attachMode;
    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics over HTTP (off by default).")
    String metricsListen;
    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warning, notice, info or debug.")
    String logLevel;
    @Option(names = "--admin-group", paramLabel = "GROUP", description = "Members of this group may start, stop, reload and run units over the socket (root always may).")
    String adminGroup;
    @Option(names = "--on-exit", paramLabel = "stop|keep", description = "On SIGTERM stop every unit (default), or keep them running for an upgrade.")
    String onExit;
    @Option(names = "--firewall-unavailable", paramLabel = "refuse|run", description = "Where the kernel has no cgroup BPF: refuse to run units with a firewall (default), or run them unfiltered as systemd does.")
    String firewallUnavailable;
    @Option(names = "--programs", paramLabel = "auto|shared|per-unit", description = "Units of one policy shape share one loaded program (shared, Linux 5.9+: their counters in cgroup storage), or each unit loads its own (per-unit); default auto: shared where the kernel can.")
    String programs;

    public static void main(String[] args) {
        StartupWarmUp.start();
        Tollgated command = new Tollgated();
        // picocli takes ~0.1 s of the daemon's start-up to build its model of this class; the
        // common command line (only --name VALUE / --name=VALUE settings) needs none of it.
        // Anything else (--help, --version, an unknown or malformed option) goes to picocli.
        if (command.parseSettings(args)) {
            int rc;
            try {
                rc = command.call();
            } catch (Exception e) {
                System.err.println("tollgated: " + e);
                rc = 1;
            }
            System.exit(rc);
        }
        System.exit(new CommandLine(new Tollgated()).execute(args));
    }

    /**
     * The options {@link #parseSettings} reads, as the {@link Option} annotations name them
     * (TollgatedCommandLineTest checks that these are all of them and read as picocli reads them).
     * Written out rather than read from the annotations: picocli's annotation classes cannot be
     * in the AOT cache (their class files are of Java 5), and loading them with their proxies
     * took ~15 ms of the daemon's start-up.
     */
    static final Set<String> SETTINGS = Set.of("--config", "--units-path", "--socket", "--cgroup-root", "--bpffs-dir",
            "--state-dir", "--attach-mode", "--metrics-listen", "--log-level", "--admin-group", "--on-exit",
            "--firewall-unavailable", "--programs");

    /**
     * Sets the {@link Option} fields from a command line made only of settings
     * ({@code --name VALUE} or {@code --name=VALUE}, each at most once), and the defaults of those
     * not given. False, with nothing set that matters (picocli starts from a new instance), for
     * anything else.
     */
    boolean parseSettings(String[] args) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            if (!SETTINGS.contains(name)) return false;
            String value;
            if (eq > 0) value = a.substring(eq + 1);
            else if (i + 1 < args.length && !args[i + 1].startsWith("-")) value = args[++i];
            else return false;
            if (given.put(name, value) != null) return false; // picocli says what is wrong with a repeat
        }
        try {
            configFile = Path.of(given.getOrDefault("--config", DEFAULT_CONFIG));
        } catch (InvalidPathException e) {
            return false;
        }
        unitsPath = given.get("--units-path");
        socket = given.get("--socket");
        cgroupRoot = given.get("--cgroup-root");
        bpffsDir = given.get("--bpffs-dir");
        stateDir = given.get("--state-dir");
        attachMode = given.get("--attach-mode");
        metricsListen = given.get("--metrics-listen");
        logLevel = given.get("--log-level");
        adminGroup = given.get("--admin-group");
        onExit = given.get("--on-exit");
        firewallUnavailable = given.get("--firewall-unavailable");
        programs = given.get("--programs");
        return true;
    }

    @Override
    public Integer call() throws Exception {
        DaemonConfig config;
        try {
            Map<String, String> settings = new LinkedHashMap<>(DaemonConfig.readFile(configFile));
            put(settings, "units-path", unitsPath);
            put(settings, "socket", socket);
            put(settings, "cgroup-root", cgroupRoot);
            put(settings, "bpffs-dir", bpffsDir);
            put(settings, "state-dir", stateDir);
            put(settings, "attach-mode", attachMode);
            put(settings, "metrics-listen", metricsListen);
            put(settings, "log-level", logLevel);
            put(settings, "on-exit", onExit);
            put(settings, "admin-group", adminGroup);
            put(settings, "firewall-unavailable", firewallUnavailable);
            put(settings, "programs", programs);
            config = DaemonConfig.of(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("tollgated: " + e.getMessage());
            return 2;
        }
        Daemon daemon = new Daemon(config);
        SignalHandlers.install(daemon);
        try {
            daemon.start();
            Log.info("tollgated is running");
            NotifySocket.send(System.getenv("NOTIFY_SOCKET"), "READY=1\nSTATUS=Running");
            daemon.awaitStop();
            NotifySocket.send(System.getenv("NOTIFY_SOCKET"), "STOPPING=1");
            Log.info("stopping");
            return 0;
        } catch (Exception e) {
            Log.error("tollgated: %s", e.getMessage() == null ? e.toString() : e.getMessage());
            return 1;
        } finally {
            daemon.close();
        }
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) m.put(key, value);
    }
}
