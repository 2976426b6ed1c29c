package dev.tollgate.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finding the command of {@code tollctl run} before any unit is made, as systemd-run does
 * ({@code find_executable()}): a name with a slash is taken as a path and must exist and not
 * be a directory; a bare name is searched in {@code $PATH}, where only executable regular
 * files count (entries we may not execute are skipped, as systemd skips them). The unit then
 * runs the absolute path that was found.
 */
final class Executables {
    /** systemd's search path when $PATH is unset. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The command is not there: the reason in strerror(3)'s words. */
    static final class NotFound extends Exception {
        NotFound(String reason) {
            super(reason);
        }
    }

    private Executables() {}

    /** The absolute path of {@code name}, found as systemd-run finds it; {@code path} is $PATH (null: unset). */
    static String find(String name, String path, Path cwd) throws NotFound {
        if (name.isEmpty()) throw new NotFound("No such file or directory");
        if (name.indexOf('/') >= 0) {
            Path p = cwd.resolve(name).normalize();
            if (Files.isDirectory(p)) throw new NotFound("Is a directory");
            if (!Files.exists(p)) throw new NotFound("No such file or directory");
            return p.toString();
        }
        String reason = "No such file or directory";
        for (String dir : (path == null ? DEFAULT_PATH : path).split(":", -1)) {
            // An empty or relative entry is ignored, as systemd ignores it.
            if (dir.isEmpty() || !dir.startsWith("/")) continue;
            Path p = Path.of(dir).resolve(name);
            if (Files.isDirectory(p)) {
                reason = "Is a directory";
            } else if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new NotFound(reason);
    }

    /**
     * A command line as systemd-run writes it into the description ({@code quote_command_line()}):
     * words with blanks, quotes or shell specials in double quotes, with {@code \ " ` $} escaped.
     */
    static String quote(java.util.List<String> argv) {
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (!b.isEmpty()) b.append(' ');
            if (!a.isEmpty() && a.chars().noneMatch(c -> "\"\\`$*?['()<>|&;! \t\n\r".indexOf(c) >= 0)) {
                b.append(a);
                continue;
            }
            b.append('"');
            for (char c : a.toCharArray()) {
                if ("\"\\`$".indexOf(c) >= 0) b.append('\\');
                b.append(c);
            }
            b.append('"');
        }
        return b.toString();
    }
}
