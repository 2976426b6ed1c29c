package dev.tollgate.units.directives;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Booleans;
import dev.tollgate.units.syntax.PathNames;
import dev.tollgate.units.syntax.TimeSpan;
import java.nio.file.Path;
import java.util.Optional;

/** Value parsers many directives share, with systemd's wording when a value is refused. */
final class Directives {

    private Directives() {}

    /** {@code config_parse_bool()}: a boolean, or a warning (the empty string is no boolean). */
    static Optional<Boolean> bool(Assignment a, ParseContext c) {
        Optional<Boolean> b = Booleans.parse(a.value());
        if (b.isEmpty()) {
            c.warn("Failed to parse boolean value, ignoring: " + a.value());
        }
        return b;
    }

    /** {@code config_parse_sec()}. */
    static Optional<TimeSpan> sec(Assignment a, ParseContext c) {
        Optional<TimeSpan> t = TimeSpan.parse(a.value());
        if (t.isEmpty()) {
            c.warn("Failed to parse sec value, ignoring: " + a.value());
        }
        return t;
    }

    /** {@code config_parse_sec_fix_0()}: 0 means infinity. */
    static Optional<TimeSpan> secFixZero(Assignment a, ParseContext c) {
        Optional<TimeSpan> t = TimeSpan.parseFixZero(a.value());
        if (t.isEmpty()) {
            c.warn("Failed to parse " + a.key() + "= parameter, ignoring: " + a.value());
        }
        return t;
    }

    /** {@code path_simplify_and_warn(PATH_CHECK_ABSOLUTE)}, the setting ignored when refused. */
    static Optional<Path> absolutePath(String path, Assignment a, ParseContext c) {
        return absolutePath(path, a, c, LogLevel.WARNING);
    }

    /**
     * As {@link #absolutePath(String, Assignment, ParseContext)}, reporting a refusal at
     * {@code severity}; {@link LogLevel#ERROR} makes the unit fail, like systemd's
     * {@code PATH_CHECK_FATAL} where the caller returns {@code -ENOEXEC}.
     */
    static Optional<Path> absolutePath(String path, Assignment a, ParseContext c, LogLevel severity) {
        PathNames.Result r = PathNames.checkAbsolute(path);
        if (!r.ok()) {
            String ignoring = severity == LogLevel.ERROR ? "" : ", ignoring";
            c.report(severity, a.key() + "= " + r.refusal() + ignoring + ": " + path);
            return Optional.empty();
        }
        return Optional.of(Path.of(r.path().get()));
    }
}
