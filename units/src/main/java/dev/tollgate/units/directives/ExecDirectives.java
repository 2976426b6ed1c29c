package dev.tollgate.units.directives;

import dev.tollgate.units.ExecContext;
import dev.tollgate.units.LogLevel;
import dev.tollgate.units.exec.EnvironmentExpansion;
import dev.tollgate.units.exec.EnvironmentFile;
import dev.tollgate.units.exec.StandardOutput;
import dev.tollgate.units.exec.WorkingDirectory;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Specifiers;
import dev.tollgate.units.syntax.Words;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The execution settings of systemd.exec(5) that tollgate implements: {@code User= Group=
 * WorkingDirectory= Environment= EnvironmentFile= StandardOutput= StandardError=}.
 */
public final class ExecDirectives {

    private ExecDirectives() {}

    /** The execution context while it is being read. */
    public static final class Draft {
        Optional<String> user = Optional.empty();
        Optional<String> group = Optional.empty();
        WorkingDirectory workingDirectory = WorkingDirectory.UNSET;
        final Map<String, String> environment = new LinkedHashMap<>();
        final List<EnvironmentFile> environmentFiles = new ArrayList<>();
        /** systemd's default is the journal; tollgate has none, so the daemon's own output. */
        StandardOutput standardOutput = StandardOutput.INHERIT;
        StandardOutput standardError = StandardOutput.INHERIT;
        /** Not implemented, but systemd checks it against KillMode= (service_verify()). */
        boolean pam;

        ExecContext build() {
            return new ExecContext(user, group, workingDirectory, environment, environmentFiles, standardOutput, standardError);
        }
    }

    static void register(DirectiveTable t, String section) {
        t.add(section, "User", (d, a, c) -> d.exec.user = userOrGroup(a, c, d.exec.user));
        t.add(section, "Group", (d, a, c) -> d.exec.group = userOrGroup(a, c, d.exec.group));
        t.add(section, "WorkingDirectory", ExecDirectives::workingDirectory);
        t.add(section, "Environment", ExecDirectives::environment);
        t.add(section, "EnvironmentFile", ExecDirectives::environmentFile);
        t.add(section, "StandardOutput", (d, a, c) -> output(a, c).ifPresent(o -> d.exec.standardOutput = o));
        t.add(section, "StandardError", (d, a, c) -> output(a, c).ifPresent(o -> d.exec.standardError = o));
        t.add(section, "PAMName", (d, a, c) -> {
            d.exec.pam = !a.isEmpty();
            c.warn("Not implemented by tollgate, ignoring.");
        });
    }

    /**
     * {@code config_parse_user_group_compat()}: a user or group name, or a numeric ID; a bad one
     * makes the unit fail. Empty unsets.
     */
    private static Optional<String> userOrGroup(Assignment a, ParseContext c, Optional<String> previous) {
        if (a.isEmpty()) {
            return Optional.empty();
        }
        Specifiers.Result r = c.fullSpecifiers(a.value());
        if (r instanceof Specifiers.Result.Failed f) {
            c.error("Failed to resolve unit specifiers in " + a.value() + ": " + f.reason());
            return previous;
        }
        String k = ((Specifiers.Result.Ok) r).value();
        if (!isValidUserOrGroup(k)) {
            c.error("Invalid user/group name or numeric ID: " + k);
            return previous;
        }
        return Optional.of(k);
    }

    /**
     * {@code valid_user_group_name(VALID_USER_ALLOW_NUMERIC|VALID_USER_RELAX)}: a UID (0 to
     * 2^32-2, not 65535), or any name that is not blank-padded, numeric, {@code .} or {@code ..}
     * and has no control characters, {@code :} or {@code /}.
     */
    static boolean isValidUserOrGroup(String u) {
        if (u.isEmpty()) {
            return false;
        }
        if (u.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            BigInteger v = new BigInteger(u);
            return v.compareTo(BigInteger.valueOf(0xffff_ffffL)) < 0 && v.longValue() != 65535;
        }
        if (u.startsWith(" ") || u.endsWith(" ")) {
            return false;
        }
        for (int i = 0; i < u.length(); i++) {
            char ch = u.charAt(i);
            if (ch < ' ' || ch == 0x7f || ch == ':' || ch == '/') {
                return false;
            }
        }
        if (u.charAt(0) == '-' && u.length() > 1 && u.substring(1).chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return false;
        }
        return !u.equals(".") && !u.equals("..");
    }

    /** {@code config_parse_working_directory()}: {@code [-]PATH} or {@code [-]~}; a bad path fails the unit unless {@code -}. */
    private static void workingDirectory(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.exec.workingDirectory = WorkingDirectory.UNSET;
            return;
        }
        String v = a.value();
        boolean missingOk = v.startsWith("-");
        if (missingOk) {
            v = v.substring(1);
        }
        if (v.equals("~")) {
            d.exec.workingDirectory = new WorkingDirectory.Home(missingOk);
            return;
        }
        Specifiers.Result r = c.fullSpecifiers(v);
        if (r instanceof Specifiers.Result.Failed f) {
            c.report(missingOk ? LogLevel.WARNING : LogLevel.ERROR, "Failed to resolve unit specifiers in working directory path '"
                    + v + "'" + (missingOk ? ", ignoring" : "") + ": " + f.reason());
            return;
        }
        Directives.absolutePath(((Specifiers.Result.Ok) r).value(), a, c, missingOk ? LogLevel.WARNING : LogLevel.ERROR)
                .ifPresent(p -> d.exec.workingDirectory = new WorkingDirectory.At(p, missingOk));
    }

    /**
     * {@code config_parse_environ()}: quoted, C-escaped {@code NAME=value} words; a later
     * assignment of a name replaces the earlier value; empty resets.
     */
    private static void environment(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.exec.environment.clear();
            return;
        }
        Words w = new Words(a.value());
        for (;;) {
            String word;
            try {
                word = w.next(Words.WHITESPACE, EnumSet.of(Words.Flag.CUNESCAPE, Words.Flag.UNQUOTE));
            } catch (Words.InvalidWordException e) {
                c.warn("Invalid syntax, ignoring: " + a.value());
                return;
            }
            if (word == null) {
                return;
            }
            Specifiers.Result r = c.fullSpecifiers(word);
            if (r instanceof Specifiers.Result.Failed f) {
                c.warn("Failed to resolve specifiers in " + word + ", ignoring: " + f.reason());
                continue;
            }
            String resolved = ((Specifiers.Result.Ok) r).value();
            int eq = resolved.indexOf('=');
            if (eq < 0 || !EnvironmentExpansion.isValidName(resolved.substring(0, eq)) || !isValidEnvValue(resolved.substring(eq + 1))) {
                c.warn("Invalid environment assignment, ignoring: " + resolved);
                continue;
            }
            d.exec.environment.put(resolved.substring(0, eq), resolved.substring(eq + 1));
        }
    }

    /** {@code env_value_is_valid()}: valid Unicode text (control characters are allowed). */
    static boolean isValidEnvValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (Character.isHighSurrogate(ch)) {
                if (i + 1 >= v.length() || !Character.isLowSurrogate(v.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(ch)) {
                return false;
            }
        }
        return true;
    }

    /** {@code config_parse_unit_env_file()}: {@code [-]PATH}, absolute; empty resets. */
    private static void environmentFile(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.exec.environmentFiles.clear();
            return;
        }
        Optional<String> n = c.resolveFull(a.value());
        if (n.isEmpty()) {
            return;
        }
        boolean optional = n.get().startsWith("-");
        Optional<Path> p = Directives.absolutePath(optional ? n.get().substring(1) : n.get(), a, c);
        p.ifPresent(path -> d.exec.environmentFiles.add(new EnvironmentFile(path, optional)));
    }

    /**
     * {@code config_parse_exec_output()}: {@code inherit}, {@code null}, {@code file:PATH},
     * {@code append:PATH}, {@code truncate:PATH}; the journal and console targets are read as
     * {@code inherit} (tollgate has no journal), {@code socket} and {@code fd:} too, with a warning.
     */
    private static Optional<StandardOutput> output(Assignment a, ParseContext c) {
        String v = a.value();
        for (StandardOutput.Mode mode : StandardOutput.Mode.values()) {
            if (v.startsWith(mode.prefix())) {
                String raw = v.substring(mode.prefix().length());
                Optional<String> resolved = c.resolveFull(raw);
                if (resolved.isEmpty()) {
                    return Optional.empty();
                }
                return Directives.absolutePath(resolved.get(), a, c).map(p -> new StandardOutput.File(p, mode));
            }
        }
        if (v.startsWith("fd:")) {
            c.warn("Named file descriptors are not supported by tollgate, using inherit: " + v);
            return Optional.of(StandardOutput.INHERIT);
        }
        switch (v) {
            case "inherit":
                return Optional.of(StandardOutput.INHERIT);
            case "null":
                return Optional.of(StandardOutput.NULL);
            case "syslog", "syslog+console":
                c.notice("Standard output type " + v + " is obsolete, automatically updating to "
                        + (v.equals("syslog") ? "journal" : "journal+console") + "; tollgate has no journal and uses inherit.");
                return Optional.of(StandardOutput.INHERIT);
            case "journal", "journal+console", "kmsg", "kmsg+console":
                c.notice("tollgate has no journal or kernel log target; " + a.key() + "=" + v + " is treated as inherit.");
                return Optional.of(StandardOutput.INHERIT);
            case "tty", "socket", "fd", "file", "append", "truncate":
                c.warn(a.key() + "=" + v + " is not supported by tollgate, using inherit.");
                return Optional.of(StandardOutput.INHERIT);
            default:
                c.warn("Failed to parse output specifier, ignoring: " + v);
                return Optional.empty();
        }
    }
}
