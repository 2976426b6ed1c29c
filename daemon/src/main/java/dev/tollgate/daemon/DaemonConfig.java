package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.bpf.link.AttachMechanism;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * tollgated's settings: from {@code /etc/tollgate/tollgated.conf} ({@code key = value} lines,
 * {@code #} comments, the flags' names without dashes), then the command line over it.
 */
public record DaemonConfig(List<Path> unitsPath, Path socket, Optional<String> cgroupRoot, Path bpffsDir,
                           Path stateDir, Optional<AttachMechanism> attachMode, Optional<String> metricsListen,
                           Log.Level logLevel, boolean keepUnitsOnExit, Optional<String> adminGroup,
                           boolean runFirewalledUnitsWithoutCgroupBpf, Optional<Accounting.ProgramSharing> programs) {
    public static final Path DEFAULT_CONFIG = Path.of("/etc/tollgate/tollgated.conf");
    public static final Set<String> KEYS = Set.of("units-path", "socket", "cgroup-root", "bpffs-dir", "state-dir",
            "attach-mode", "metrics-listen", "log-level", "on-exit", "admin-group", "firewall-unavailable", "programs");

    public DaemonConfig {
        unitsPath = List.copyOf(unitsPath);
        if (unitsPath.isEmpty()) throw new IllegalArgumentException("units-path is empty");
    }

    /** Reads a config file; a missing file is an empty one. Unknown keys and bad lines name file:line. */
    public static Map<String, String> readFile(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) return out;
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) continue;
            int eq = line.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected key = value: " + line);
            String key = line.substring(0, eq).strip();
            if (!KEYS.contains(key)) throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown setting '" + key + "'");
            out.put(key, line.substring(eq + 1).strip());
        }
        return out;
    }

    /** Builds the configuration from merged settings (flags already laid over the file). */
    public static DaemonConfig of(Map<String, String> s) {
        List<Path> units = new ArrayList<>();
        String up = s.getOrDefault("units-path", "/etc/tollgate/units:/run/tollgate/units:/usr/lib/tollgate/units");
        for (String p : up.split(":")) if (!p.isBlank()) units.add(Path.of(p).toAbsolutePath());
        String mode = s.getOrDefault("attach-mode", "auto");
        Optional<AttachMechanism> attach = mode.equals("auto") ? Optional.empty() : Optional.of(AttachMechanism.parse(mode));
        String onExit = s.getOrDefault("on-exit", "stop");
        if (!onExit.equals("stop") && !onExit.equals("keep"))
            throw new IllegalArgumentException("on-exit must be 'stop' or 'keep', not '" + onExit + "'");
        String firewallUnavailable = s.getOrDefault("firewall-unavailable", "refuse");
        if (!firewallUnavailable.equals("refuse") && !firewallUnavailable.equals("run"))
            throw new IllegalArgumentException("firewall-unavailable must be 'refuse' or 'run', not '" + firewallUnavailable + "'");
        String programs = s.getOrDefault("programs", "auto");
        Optional<Accounting.ProgramSharing> sharing = switch (programs) {
            case "auto" -> Optional.empty();
            case "shared" -> Optional.of(Accounting.ProgramSharing.SHARED);
            case "per-unit" -> Optional.of(Accounting.ProgramSharing.PER_UNIT);
            default -> throw new IllegalArgumentException("programs must be 'auto', 'shared' or 'per-unit', not '" + programs + "'");
        };
        return new DaemonConfig(units,
                Path.of(s.getOrDefault("socket", "/run/tollgate/io.tollgate.Manager")).toAbsolutePath(),
                Optional.ofNullable(s.get("cgroup-root")).filter(x -> !x.isBlank()),
                Path.of(s.getOrDefault("bpffs-dir", "/sys/fs/bpf/tollgate")).toAbsolutePath(),
                Path.of(s.getOrDefault("state-dir", "/run/tollgate")).toAbsolutePath(),
                attach,
                Optional.ofNullable(s.get("metrics-listen")).filter(x -> !x.isBlank()),
                Log.Level.parse(s.getOrDefault("log-level", "info")),
                onExit.equals("keep"),
                Optional.ofNullable(s.get("admin-group")).filter(x -> !x.isBlank()),
                firewallUnavailable.equals("run"),
                sharing);
    }
}
