package dev.tollgate.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EnvironmentFile= contents: {@code KEY=VALUE} lines, {@code #} and {@code ;} comments, values
 * optionally in single or double quotes (systemd's load_env_file(), simplified: no line
 * continuation inside quotes).
 */
final class EnvironmentFiles {
    private EnvironmentFiles() {}

    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) continue;
            if (line.startsWith("export ")) line = line.substring(7).strip();
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            if (key.matches("[A-Za-z_][A-Za-z0-9_]*")) env.put(key, value);
        }
        return env;
    }
}
