package dev.tollgate.units.directives;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Every directive systemd 252 knows in the sections tollgate reads, so that one tollgate does not
 * implement is reported as such ("not implemented") rather than as a typo ("unknown").
 */
final class KnownDirectives {

    private static final Set<String> KNOWN = load();

    private KnownDirectives() {}

    static boolean isKnownToSystemd(String section, String key) {
        return KNOWN.contains(section + "." + key);
    }

    private static Set<String> load() {
        Set<String> out = new HashSet<>();
        try (InputStream in = KnownDirectives.class.getResourceAsStream("systemd-252-directives.txt")) {
            if (in == null) {
                throw new IllegalStateException("systemd-252-directives.txt missing from the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(out);
    }
}
