package dev.tollgate.units;

import dev.tollgate.units.syntax.CEscape;
import dev.tollgate.units.syntax.PathNames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A valid unit name, following systemd's unit-name.c: a prefix of ASCII letters, digits and
 * {@code :-_.\}, an optional {@code @instance}, and a type suffix; at most 255 characters
 * (systemd.unit(5), "Description"). {@code getty@.service} is a template and
 * {@code getty@tty1.service} one of its instances. A {@code UnitName} cannot hold an invalid name:
 * use {@link #parse} for input.
 */
public record UnitName(String id) implements Comparable<UnitName> {

    /** systemd's {@code UNIT_NAME_MAX}: names are shorter than this. */
    public static final int MAX_LENGTH = 256;

    private static final String VALID_CHARS =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\";

    /** Name of the root slice. */
    public static final UnitName ROOT_SLICE = new UnitName("-.slice");
    /** Where system services go by default. */
    public static final UnitName SYSTEM_SLICE = new UnitName("system.slice");

    public UnitName {
        if (!isValid(id)) {
            throw new IllegalArgumentException("not a valid unit name: " + id);
        }
    }

    // Written out, as a record's would be: the generated ones are method handles the JVM spins at
    // first use, on the daemon's start-up path (the boot's first map of units).
    @Override
    public boolean equals(Object o) {
        return o instanceof UnitName u && id.equals(u.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    /** The name, if {@code id} is a valid unit name (plain, template or instance). */
    public static Optional<UnitName> parse(String id) {
        return isValid(id) ? Optional.of(new UnitName(id)) : Optional.empty();
    }

    public static UnitName of(String id) {
        return new UnitName(id);
    }

    /** {@code unit_name_is_valid(n, UNIT_NAME_ANY)}. */
    public static boolean isValid(String n) {
        if (n == null || n.isEmpty() || n.length() >= MAX_LENGTH) {
            return false;
        }
        int e = n.lastIndexOf('.');
        if (e <= 0) {
            return false;
        }
        if (UnitSuffix.fromSuffix(n.substring(e + 1)).isEmpty()) {
            return false;
        }
        int at = -1;
        for (int i = 0; i < e; i++) {
            char c = n.charAt(i);
            if (c == '@' && at < 0) {
                at = i;
            }
            if (c != '@' && VALID_CHARS.indexOf(c) < 0) {
                return false;
            }
        }
        return at != 0;
    }

    public UnitSuffix type() {
        return UnitSuffix.fromSuffix(id.substring(id.lastIndexOf('.') + 1)).orElseThrow();
    }

    /** Neither a template nor an instance. */
    public boolean isPlain() {
        return id.indexOf('@') < 0;
    }

    /** {@code name@.type}. */
    public boolean isTemplate() {
        int at = id.indexOf('@');
        return at >= 0 && at + 1 == id.lastIndexOf('.');
    }

    /** {@code name@instance.type}. */
    public boolean isInstance() {
        int at = id.indexOf('@');
        return at >= 0 && at + 1 < id.lastIndexOf('.');
    }

    /** {@code %p}: everything before the first {@code @}, or before the type suffix. */
    public String prefix() {
        int at = id.indexOf('@');
        return id.substring(0, at >= 0 ? at : id.lastIndexOf('.'));
    }

    /** {@code %i}: between the first {@code @} and the type suffix; empty for plain names and templates. */
    public String instance() {
        int at = id.indexOf('@');
        return at < 0 ? "" : id.substring(at + 1, id.lastIndexOf('.'));
    }

    /** {@code %N}: the name without its type suffix. */
    public String prefixAndInstance() {
        return id.substring(0, id.lastIndexOf('.'));
    }

    /** {@code %j}: the part of the prefix after its last dash (the whole prefix if it has none). */
    public String lastComponent() {
        String p = prefix();
        int dash = p.lastIndexOf('-');
        return dash >= 0 ? p.substring(dash + 1) : p;
    }

    /** For an instance, its template ({@code getty@tty1.service} → {@code getty@.service}); otherwise itself. */
    public UnitName template() {
        if (!isInstance()) {
            return this;
        }
        return new UnitName(prefix() + "@." + type().suffix());
    }

    /** A template (or an instance) with {@code instance} as its instance. */
    public Optional<UnitName> withInstance(String instance) {
        if (isPlain()) {
            return Optional.empty();
        }
        return parse(prefix() + "@" + instance + "." + type().suffix());
    }

    /** {@code prefix[@instance].type}, if that is a valid name. */
    public static Optional<UnitName> build(String prefix, String instance, UnitSuffix type) {
        return parse(prefix + (instance == null ? "" : "@" + instance) + "." + type.suffix());
    }

    /**
     * systemd's {@code slice_name_is_valid()}: a plain {@code .slice} name whose dashes separate
     * non-empty components ({@code a-b.slice}), or the root slice {@code -.slice}.
     */
    public boolean isValidSliceName() {
        if (type() != UnitSuffix.SLICE || !isPlain()) {
            return false;
        }
        if (equals(ROOT_SLICE)) {
            return true;
        }
        String p = prefixAndInstance();
        return !p.startsWith("-") && !p.endsWith("-") && !p.contains("--");
    }

    /**
     * The slice a slice lives in ({@code a-b-c.slice} → {@code a-b.slice}, {@code a.slice} →
     * {@code -.slice}); empty for the root slice and for anything that is not a valid slice name.
     */
    public Optional<UnitName> parentSlice() {
        if (!isValidSliceName() || equals(ROOT_SLICE)) {
            return Optional.empty();
        }
        String p = prefixAndInstance();
        int dash = p.lastIndexOf('-');
        return Optional.of(dash < 0 ? ROOT_SLICE : new UnitName(p.substring(0, dash) + ".slice"));
    }

    /**
     * {@code unit_name_escape()}: {@code /} becomes {@code -}, every byte that is not an ASCII
     * letter, digit, {@code :}, {@code _} or {@code .} (and a leading {@code .}) becomes
     * {@code \xHH}.
     */
    public static String escape(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (i == 0 && c == '.') {
                sb.append(String.format("\\x%02x", c));
            } else if (c == '/') {
                sb.append('-');
            } else if (c == '-' || c == '\\' || c >= 0x80 || VALID_CHARS.indexOf(c) < 0) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** {@code unit_name_unescape()}: {@code -} becomes {@code /} and {@code \xHH} the byte; empty if malformed. */
    public static Optional<String> unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '-') {
                out.write('/');
            } else if (c == '\\') {
                if (i + 3 >= s.length() || s.charAt(i + 1) != 'x') {
                    return Optional.empty();
                }
                int a = CEscape.hexDigit(s.charAt(i + 2));
                int d = CEscape.hexDigit(s.charAt(i + 3));
                if (a < 0 || d < 0) {
                    return Optional.empty();
                }
                out.write((a << 4) | d);
                i += 3;
            } else {
                byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(enc, 0, enc.length);
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code unit_name_path_unescape()}: the unescaped string as an absolute path ({@code -} is
     * {@code /}); empty if it does not unescape to a normalized path.
     */
    public static Optional<String> pathUnescape(String s) {
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (s.equals("-")) {
            return Optional.of("/");
        }
        Optional<String> w = unescape(s);
        if (w.isEmpty() || w.get().startsWith("/") || w.get().endsWith("/")) {
            return Optional.empty();
        }
        String p = "/" + w.get();
        return PathNames.isNormalized(p) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public int compareTo(UnitName o) {
        return id.compareTo(o.id);
    }

    @Override
    public String toString() {
        return id;
    }
}
