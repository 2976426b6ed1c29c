package dev.tollgate.testkit;

import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Enables {@link Privileged} tests only where they can really run. */
public final class PrivilegedCondition implements ExecutionCondition {
    public static final String SKIP_PREFIX = "privileged test skipped: ";

    /** For JUnit, which makes one per {@code @ExtendWith(PrivilegedCondition.class)}. */
    public PrivilegedCondition() {}

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<String> missing = new ArrayList<>();
        if (!Host.isRoot()) {
            missing.add("not running as root (uid " + Host.euid() + ")");
        }
        if (Host.cgroup2Mount().isEmpty()) {
            missing.add("statfs finds cgroup2 at none of " + ApiFileSystems.CGROUP2_PLACES);
        }
        for (String command : commands(context)) {
            if (Host.findCommand(command).isEmpty()) {
                missing.add("command '" + command + "' not on PATH (apt-get install " + debianPackage(command) + ")");
            }
        }
        return missing.isEmpty()
                ? ConditionEvaluationResult.enabled("root with cgroup2")
                : ConditionEvaluationResult.disabled(SKIP_PREFIX + String.join("; ", missing));
    }

    /** The Debian package that ships a command, where its name differs. */
    static String debianPackage(String command) {
        return switch (command) {
            case "promtool" -> "prometheus";
            case "capsh" -> "libcap2-bin";
            case "setpriv", "unshare", "nsenter" -> "util-linux";
            case "ip" -> "iproute2";
            default -> command;
        };
    }

    private static List<String> commands(ExtensionContext context) {
        List<String> all = new ArrayList<>();
        context.getTestClass()
                .flatMap(c -> AnnotationSupport.findAnnotation(c, Privileged.class))
                .ifPresent(p -> all.addAll(List.of(p.commands())));
        context.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, Privileged.class))
                .ifPresent(p -> all.addAll(List.of(p.commands())));
        return all;
    }

    /** Facts about the host. */
    public static final class Host {
        private Host() {}

        public static int euid() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }

        public static boolean isRoot() {
            return euid() == 0;
        }

        /**
         * Where cgroup2 is mounted, found as the daemon finds it ({@link ApiFileSystems#cgroup2()}):
         * by statfs at the places systemd uses, not by the first cgroup2 line of mountinfo (which in
         * a container may be the host's, hidden under a fresh {@code /sys}).
         */
        public static Optional<Path> cgroup2Mount() {
            try {
                return ApiFileSystems.cgroup2();
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        public static Optional<Path> findCommand(String name) {
            String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
            for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
                if (dir.isEmpty()) continue;
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
            return Optional.empty();
        }
    }
}
