package dev.tollgate.units;

import dev.tollgate.units.exec.EnvironmentFile;
import dev.tollgate.units.exec.StandardOutput;
import dev.tollgate.units.exec.WorkingDirectory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a service's processes are run (systemd.exec(5)): credentials, directory, environment and
 * output. {@code environment} keeps the order of first assignment; a later assignment of the same
 * name replaced the value in place, as systemd's {@code strv_env_replace()} does.
 */
public record ExecContext(
        Optional<String> user,
        Optional<String> group,
        WorkingDirectory workingDirectory,
        Map<String, String> environment,
        List<EnvironmentFile> environmentFiles,
        StandardOutput standardOutput,
        StandardOutput standardError) {

    public static final ExecContext DEFAULTS = new ExecContext(Optional.empty(), Optional.empty(), WorkingDirectory.UNSET,
            Map.of(), List.of(), StandardOutput.INHERIT, StandardOutput.INHERIT);

    public ExecContext {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(standardOutput, "standardOutput");
        Objects.requireNonNull(standardError, "standardError");
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        environmentFiles = List.copyOf(environmentFiles);
    }
}
