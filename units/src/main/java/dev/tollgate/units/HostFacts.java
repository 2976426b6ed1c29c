package dev.tollgate.units;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the system-wide specifiers of systemd.unit(5) expand to: {@code %H %l} (host name),
 * {@code %m} (machine ID), {@code %b} (boot ID), {@code %v} (kernel release), {@code %a}
 * (architecture), {@code %o %w %W %B %A %M} (os-release fields) and the manager's own
 * credentials {@code %u %U %g %G %h %s}. The daemon supplies them; a fact that is missing makes
 * a specifier that needs it fail to resolve, as in systemd (os-release fields expand to the empty
 * string when absent, as there).
 *
 * @param osRelease fields of os-release(5), e.g. {@code ID}, {@code VERSION_ID}
 */
public record HostFacts(
        Optional<String> hostname,
        Optional<String> machineId,
        Optional<String> bootId,
        Optional<String> kernelRelease,
        Optional<String> architecture,
        Map<String, String> osRelease,
        String userName,
        long uid,
        String groupName,
        long gid,
        String home,
        String shell) {

    public HostFacts {
        osRelease = Map.copyOf(osRelease);
    }

    /** Nothing known about the host; the manager runs as root, as a system manager does. */
    public static HostFacts unknown() {
        return new HostFacts(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of(), "root", 0, "root", 0, "/root", "/bin/sh");
    }

    public HostFacts withBootId(String id) {
        return new HostFacts(hostname, machineId, Optional.of(id), kernelRelease, architecture, osRelease,
                userName, uid, groupName, gid, home, shell);
    }

    public HostFacts withHostname(String name) {
        return new HostFacts(Optional.of(name), machineId, bootId, kernelRelease, architecture, osRelease,
                userName, uid, groupName, gid, home, shell);
    }

    /**
     * Reads what can be read without the kernel's help: {@code /etc/hostname},
     * {@code /etc/machine-id}, {@code /etc/os-release} (or {@code /usr/lib/os-release}), and the
     * JVM's {@code os.version} and {@code os.arch}. The boot ID is left to the caller.
     */
    public static HostFacts probe() {
        HostFacts base = unknown();
        Optional<String> hostname = firstLine(Path.of("/etc/hostname"));
        Optional<String> machineId = firstLine(Path.of("/etc/machine-id"));
        Map<String, String> os = readOsRelease(Path.of("/etc/os-release"));
        if (os.isEmpty()) {
            os = readOsRelease(Path.of("/usr/lib/os-release"));
        }
        return new HostFacts(hostname, machineId, Optional.empty(),
                Optional.ofNullable(System.getProperty("os.version")),
                Optional.ofNullable(System.getProperty("os.arch")).map(HostFacts::systemdArchitecture),
                os, base.userName(), base.uid(), base.groupName(), base.gid(), base.home(), base.shell());
    }

    /** The JVM's {@code os.arch} in systemd's spelling (ConditionArchitecture=). */
    static String systemdArchitecture(String jvmArch) {
        return switch (jvmArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86-64";
            case "x86", "i386", "i486", "i586", "i686" -> "x86";
            case "aarch64", "arm64" -> "arm64";
            case "arm", "arm32" -> "arm";
            case "ppc64le" -> "ppc64-le";
            case "ppc64" -> "ppc64";
            case "riscv64" -> "riscv64";
            case "s390x" -> "s390x";
            case "loongarch64" -> "loongarch64";
            default -> jvmArch;
        };
    }

    private static Optional<String> firstLine(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).strip();
            int nl = s.indexOf('\n');
            s = nl >= 0 ? s.substring(0, nl) : s;
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A minimal os-release(5) reader: {@code KEY=value} with optional shell quotes. */
    static Map<String, String> readOsRelease(Path p) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                String l = line.strip();
                int eq = l.indexOf('=');
                if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
                    continue;
                }
                String v = l.substring(eq + 1);
                if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.endsWith(v.substring(0, 1))) {
                    v = v.substring(1, v.length() - 1);
                }
                out.put(l.substring(0, eq), v);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }
}
