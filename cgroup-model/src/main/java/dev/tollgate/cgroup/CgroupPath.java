package dev.tollgate.cgroup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A cgroup's place in a hierarchy: the directory names from some base (the cgroup2 mount, or
 * tollgate's root) down to it. Printed as {@code /system.slice/foo.service}, the root as
 * {@code /}, the way {@code /proc/PID/cgroup} prints paths.
 *
 * <p>Also where a unit lives, computed exactly as systemd does ({@code cg_slice_to_path()} and
 * {@code cg_escape()} in systemd's {@code src/basic/cgroup-util.c}): a slice's dashes are its
 * ancestry, so {@code a-b-c.slice} is {@code a.slice/a-b.slice/a-b-c.slice}; {@code -.slice} is
 * the root; any other unit sits directly in the directory of its slice. A directory name that
 * could be taken for a kernel interface file ({@code cgroup.*}, {@code memory.*}, …) or that
 * starts with {@code _} or {@code .} gets a {@code _} prefix, so reading a name back only ever
 * means dropping one leading {@code _}.
 */
public record CgroupPath(List<String> components) {
    public static final CgroupPath ROOT = new CgroupPath(List.of());

    /** The slice that is the root of the tree. */
    public static final String ROOT_SLICE = "-.slice";

    /** The slice a service goes to when it names none (systemd's default for system services). */
    public static final String DEFAULT_SLICE = "system.slice";

    /**
     * Names after which systemd escapes: the kernel's {@code cgroup.} prefix and its own
     * controller names (current systemd, after cgroup v1 support was removed, no longer lists
     * {@code cpuacct}, {@code blkio} or the v1-only {@code tasks} etc.).
     */
    private static final List<String> CONTROLLER_PREFIXES = List.of(
            "cgroup", "cpu", "cpuset", "io", "memory", "devices", "pids",
            "bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind",
            "bpf-restrict-network-interfaces");

    private static final int NAME_MAX = 255;

    public CgroupPath {
        components = List.copyOf(components);
        for (String c : components) {
            String why = invalidComponent(c);
            if (why != null) {
                throw new IllegalArgumentException("invalid cgroup directory name '" + c + "': " + why);
            }
        }
    }

    /** {@code "/a/b"}, {@code "a/b"}, {@code "/"} and {@code ""} are all accepted; repeated slashes collapse. */
    public static CgroupPath parse(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) parts.add(p);
        }
        return new CgroupPath(parts);
    }

    public static CgroupPath of(String... components) {
        return new CgroupPath(List.of(components));
    }

    public boolean isRoot() {
        return components.isEmpty();
    }

    /** The last directory name; empty for the root. */
    public String name() {
        return isRoot() ? "" : components.getLast();
    }

    public int depth() {
        return components.size();
    }

    public Optional<CgroupPath> parent() {
        return isRoot() ? Optional.empty() : Optional.of(new CgroupPath(components.subList(0, components.size() - 1)));
    }

    public CgroupPath resolve(String child) {
        return resolve(parse(child));
    }

    public CgroupPath resolve(CgroupPath descendant) {
        List<String> all = new ArrayList<>(components);
        all.addAll(descendant.components);
        return new CgroupPath(all);
    }

    /** Whether {@code ancestor} is this path or above it. */
    public boolean startsWith(CgroupPath ancestor) {
        return components.size() >= ancestor.components.size()
                && components.subList(0, ancestor.components.size()).equals(ancestor.components);
    }

    /** This path seen from {@code ancestor}; empty if it is not below (or equal to) it. */
    public Optional<CgroupPath> relativeTo(CgroupPath ancestor) {
        if (!startsWith(ancestor)) return Optional.empty();
        return Optional.of(new CgroupPath(components.subList(ancestor.components.size(), components.size())));
    }

    /** {@code "a/b"}, {@code ""} for the root: for {@link java.nio.file.Path#resolve(String)}. */
    public String relative() {
        return String.join("/", components);
    }

    @Override
    public String toString() {
        return "/" + relative();
    }

    // ---- unit names -------------------------------------------------------------------

    /**
     * Where slice {@code slice} lives: {@code a-b-c.slice} → {@code /a.slice/a-b.slice/a-b-c.slice},
     * {@code -.slice} → the root.
     *
     * @throws IllegalArgumentException if it is not a valid slice name, saying why
     */
    public static CgroupPath ofSlice(String slice) {
        if (ROOT_SLICE.equals(slice)) return ROOT;
        String prefix = UnitNames.requireSlice(slice);
        List<String> parts = new ArrayList<>();
        for (int dash = prefix.indexOf('-'); dash >= 0; dash = prefix.indexOf('-', dash + 1)) {
            parts.add(escape(prefix.substring(0, dash) + ".slice"));
        }
        parts.add(escape(slice));
        return new CgroupPath(parts);
    }

    /**
     * Where a non-slice unit ({@code foo.service}, {@code foo@bar.service}, {@code x.scope}) lives:
     * in its slice's directory, under its own (escaped) name.
     *
     * @throws IllegalArgumentException if either name is invalid, saying which and why
     */
    public static CgroupPath ofUnit(String unit, String slice) {
        UnitNames.requireNonSliceUnit(unit);
        return ofSlice(slice).resolve(escape(unit));
    }

    /** {@link #ofUnit(String, String)} in {@value #DEFAULT_SLICE}. */
    public static CgroupPath ofUnit(String unit) {
        return ofUnit(unit, DEFAULT_SLICE);
    }

    /**
     * The slice that slice {@code slice} sits in, by name: {@code a-b-c.slice} → {@code a-b.slice},
     * {@code a.slice} → {@code -.slice}. Empty for {@code -.slice} itself.
     */
    public static Optional<String> parentSlice(String slice) {
        if (ROOT_SLICE.equals(slice)) return Optional.empty();
        String prefix = UnitNames.requireSlice(slice);
        int dash = prefix.lastIndexOf('-');
        return Optional.of(dash < 0 ? ROOT_SLICE : prefix.substring(0, dash) + ".slice");
    }

    /** Whether {@code name} must be escaped before it can be a cgroup directory name. */
    public static boolean needsEscape(String name) {
        if (invalidComponent(name) != null) return true;
        if (name.charAt(0) == '_' || name.charAt(0) == '.') return true;
        for (String prefix : CONTROLLER_PREFIXES) {
            if (name.startsWith(prefix) && name.length() > prefix.length() && name.charAt(prefix.length()) == '.') {
                return true;
            }
        }
        return false;
    }

    /**
     * A name made safe as a cgroup directory name: prefixed with {@code _} where
     * {@link #needsEscape(String)}, unchanged otherwise.
     *
     * @throws IllegalArgumentException if no prefix can make it a valid directory name
     *     (empty, contains {@code /} or NUL, too long)
     */
    public static String escape(String name) {
        if (!needsEscape(name)) return name;
        String escaped = "_" + name;
        String why = invalidComponent(escaped);
        if (why != null) {
            throw new IllegalArgumentException("cannot make '" + name + "' a cgroup directory name: " + why);
        }
        return escaped;
    }

    /** The inverse of {@link #escape(String)}: drops one leading {@code _}. */
    public static String unescape(String directoryName) {
        return directoryName.startsWith("_") ? directoryName.substring(1) : directoryName;
    }

    /** Null if {@code c} can be a directory name, else why not. */
    private static String invalidComponent(String c) {
        if (c == null || c.isEmpty()) return "empty";
        if (c.equals(".") || c.equals("..")) return "'.' and '..' are not names";
        if (c.indexOf('/') >= 0) return "contains '/'";
        if (c.indexOf('\0') >= 0) return "contains NUL";
        if (c.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) return "longer than " + NAME_MAX + " bytes";
        return null;
    }

    /** Unit name rules from systemd's {@code unit_name_is_valid()} and {@code cg_slice_to_path()}. */
    static final class UnitNames {
        private UnitNames() {}

        static final int UNIT_NAME_MAX = 256;

        /** Every unit type systemd knows, so a name is judged by systemd's own rules. */
        static final Set<String> TYPES = Set.of(
                "service", "mount", "swap", "socket", "target", "device", "automount",
                "timer", "path", "slice", "scope");

        /** The types other than slices that systemd gives a cgroup of their own. */
        static final Set<String> CGROUP_TYPES = Set.of("service", "scope", "socket", "mount", "swap");

        /** Returns the prefix (name without ".slice"). */
        static String requireSlice(String slice) {
            String what = "slice name";
            String why = plainOrInstanceProblem(slice, false);
            if (why == null && !slice.endsWith(".slice")) why = "a slice's name ends in '.slice'";
            if (why != null) throw invalid(what, slice, why);
            String prefix = slice.substring(0, slice.length() - ".slice".length());
            if (prefix.startsWith("-")) {
                why = "it must not start with '-' (only '-.slice', the root slice, does)";
            } else if (prefix.endsWith("-")) {
                why = "it must not end in '-' before '.slice'";
            } else if (prefix.contains("--")) {
                why = "it must not contain '--' (each '-' separates a parent slice's name)";
            }
            if (why != null) throw invalid(what, slice, why);
            return prefix;
        }

        static void requireNonSliceUnit(String unit) {
            String why = plainOrInstanceProblem(unit, true);
            if (why == null) {
                String type = unit.substring(unit.lastIndexOf('.') + 1);
                if (type.equals("slice")) {
                    why = "a slice's place follows from its name alone: use CgroupPath.ofSlice";
                } else if (!CGROUP_TYPES.contains(type)) {
                    why = "a ." + type + " unit has no cgroup (only " + String.join(", ", sorted(CGROUP_TYPES)) + " and slice do)";
                }
            }
            if (why != null) throw invalid("unit name", unit, why);
        }

        /** Null if {@code n} is a valid plain (or, if allowed, instance) unit name, else why not. */
        static String plainOrInstanceProblem(String n, boolean allowInstance) {
            if (n == null || n.isEmpty()) return "it is empty";
            if (n.length() >= UNIT_NAME_MAX) return "it is longer than " + (UNIT_NAME_MAX - 1) + " characters";
            int dot = n.lastIndexOf('.');
            if (dot <= 0) return "it has no unit type suffix (like '.service' or '.slice')";
            String type = n.substring(dot + 1);
            if (!TYPES.contains(type)) return "'." + type + "' is not a unit type";
            int at = -1;
            for (int i = 0; i < dot; i++) {
                char ch = n.charAt(i);
                if (ch == '@') {
                    if (at < 0) at = i;
                } else if (!validChar(ch)) {
                    return "character '" + printable(ch) + "' is not allowed (only ASCII letters, digits and ':-_.\\' are)";
                }
            }
            if (at == 0) return "it must not start with '@'";
            if (at > 0) {
                if (!allowInstance) return "a slice cannot be a template or an instance ('@')";
                if (at == dot - 1) return "it is a template (nothing after '@'); only its instances have cgroups";
            }
            return null;
        }

        private static boolean validChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == ':' || c == '-' || c == '_' || c == '.' || c == '\\';
        }

        private static String printable(char c) {
            return c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c);
        }

        private static List<String> sorted(Set<String> s) {
            return s.stream().sorted().toList();
        }

        private static IllegalArgumentException invalid(String what, String name, String why) {
            return new IllegalArgumentException("invalid " + what + " '" + name + "': " + why);
        }
    }
}
