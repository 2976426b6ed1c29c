package dev.tollgate.units.directives;

import dev.tollgate.units.HostFacts;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.syntax.Specifiers;
import dev.tollgate.units.syntax.Specifiers.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The specifier tables of systemd's src/core/unit-printf.c for one unit: the short one used where
 * the result must be a unit name ({@code unit_name_printf()}: {@code %n %N %p %i %j} plus the
 * host and credential specifiers), and the full one for everything else ({@code unit_full_printf()}).
 * Values are those of a system manager ({@code %t} is {@code /run}, {@code %u} is the manager's user).
 * The deprecated cgroup specifiers {@code %c %r %R} are not supported: they fail to resolve.
 */
public final class UnitSpecifiers {

    private final UnitName id;
    private final Optional<Path> fragment;
    private final HostFacts host;

    public UnitSpecifiers(UnitName id, Optional<Path> fragment, HostFacts host) {
        this.id = id;
        this.fragment = fragment;
        this.host = host;
    }

    /** {@code unit_name_printf()}: results must fit a unit name. */
    public Result name(String text) {
        return Specifiers.printf(text, this::nameTable, UnitName.MAX_LENGTH);
    }

    /** {@code unit_full_printf()} (also {@code unit_path_printf()} and {@code unit_env_printf()}). */
    public Result full(String text) {
        return Specifiers.printf(text, this::fullTable, Integer.MAX_VALUE - 16);
    }

    private Result nameTable(char c) {
        return switch (c) {
            case 'i' -> ok(id.instance());
            case 'j' -> ok(id.lastComponent());
            case 'n' -> ok(id.id());
            case 'N' -> ok(id.prefixAndInstance());
            case 'p' -> ok(id.prefix());
            default -> systemTable(c);
        };
    }

    private Result fullTable(char c) {
        return switch (c) {
            case 'i', 'j', 'n', 'N', 'p' -> nameTable(c);
            case 'I' -> unescaped(id.instance());
            case 'J' -> unescaped(id.lastComponent());
            case 'P' -> unescaped(id.prefix());
            case 'f' -> filename();
            case 'y' -> realPath(false);
            case 'Y' -> realPath(true);
            case 'c', 'r', 'R' -> new Result.Failed("the cgroup specifier %" + c + " is not supported");
            case 'C' -> ok("/var/cache");
            case 'd' -> ok("/run/credentials/" + id.id());
            case 'E' -> ok("/etc");
            case 'L' -> ok("/var/log");
            case 'S' -> ok("/var/lib");
            case 't' -> ok("/run");
            case 'T' -> ok("/tmp");
            case 'V' -> ok("/var/tmp");
            case 'h' -> ok(host.home());
            case 's' -> ok(host.shell());
            default -> systemTable(c);
        };
    }

    private Result systemTable(char c) {
        return switch (c) {
            case 'a' -> fact(host.architecture(), "architecture");
            case 'A' -> ok(host.osRelease().getOrDefault("IMAGE_VERSION", ""));
            case 'b' -> fact(host.bootId(), "boot ID");
            case 'B' -> ok(host.osRelease().getOrDefault("BUILD_ID", ""));
            case 'H' -> fact(host.hostname(), "host name");
            case 'l' -> fact(host.hostname().map(h -> h.contains(".") ? h.substring(0, h.indexOf('.')) : h), "host name");
            case 'm' -> fact(host.machineId(), "machine ID");
            case 'M' -> ok(host.osRelease().getOrDefault("IMAGE_ID", ""));
            case 'o' -> ok(host.osRelease().getOrDefault("ID", ""));
            case 'v' -> fact(host.kernelRelease(), "kernel release");
            case 'w' -> ok(host.osRelease().getOrDefault("VERSION_ID", ""));
            case 'W' -> ok(host.osRelease().getOrDefault("VARIANT_ID", ""));
            case 'g' -> ok(host.groupName());
            case 'G' -> ok(Long.toString(host.gid()));
            case 'u' -> ok(host.userName());
            case 'U' -> ok(Long.toString(host.uid()));
            default -> null;
        };
    }

    /** {@code %f}: the instance (or, without one, the prefix) unescaped as a path. */
    private Result filename() {
        String s = id.isInstance() ? id.instance() : id.prefix();
        return UnitName.pathUnescape(s).<Result>map(Result.Ok::new)
                .orElseGet(() -> new Result.Failed("'" + s + "' does not unescape to a path"));
    }

    private Result realPath(boolean directory) {
        if (fragment.isEmpty()) {
            return new Result.Failed("the unit has no unit file");
        }
        Path p;
        try {
            p = fragment.get().toRealPath();
        } catch (IOException | SecurityException e) {
            p = fragment.get().toAbsolutePath().normalize();
        }
        if (directory) {
            p = p.getParent() == null ? p : p.getParent();
        }
        return ok(p.toString());
    }

    private static Result unescaped(String s) {
        return UnitName.unescape(s).<Result>map(Result.Ok::new)
                .orElseGet(() -> new Result.Failed("'" + s + "' is not validly escaped"));
    }

    private static Result fact(Optional<String> v, String what) {
        return v.<Result>map(Result.Ok::new).orElseGet(() -> new Result.Failed("the " + what + " is not known"));
    }

    private static Result ok(String v) {
        return new Result.Ok(v);
    }
}
