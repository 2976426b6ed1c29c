package dev.tollgate.units.net;

import java.util.List;
import java.util.Objects;

/**
 * {@code RestrictNetworkInterfaces=} as a unit sets it (systemd 250+): interface names and
 * whether they are the only ones allowed ({@code allowList}) or the ones denied (a leading
 * {@code ~}). Names are resolved to ifindexes only when the unit starts.
 *
 * <p>{@code configured} is whether systemd's set exists, which decides whether it installs its
 * program: a name once added makes it; only the empty assignment removes it. So an allow list
 * emptied by a later {@code ~} list ({@code lo} then {@code ~lo}) still restricts, to nothing:
 * systemd 257 drops all the unit's traffic then. Without it, or when no valid name was ever
 * added, nothing is restricted. Names keep the order of their first assignment (systemd 257
 * prints its hash order instead).
 */
public record NetworkInterfaces(boolean configured, boolean allowList, List<String> names) {
    /** systemd's default: no set, and not an allow list (so {@code systemctl show} prints {@code ~}). */
    public static final NetworkInterfaces NONE = new NetworkInterfaces(false, false, List.of());

    /** systemd's ALTIFNAMSIZ: alternative names are allowed, so up to 127 bytes. */
    public static final int ALTIFNAMSIZ = 128;

    public NetworkInterfaces {
        Objects.requireNonNull(names, "names");
        names = List.copyOf(new java.util.LinkedHashSet<>(names));
        if (!configured && !names.isEmpty()) throw new IllegalArgumentException("names without a set");
        for (String n : names) {
            if (!validName(n)) throw new IllegalArgumentException("invalid interface name " + n);
        }
    }

    /** Whether the unit's traffic is restricted at all (systemd installs its program). */
    public boolean restricts() {
        return configured;
    }

    /**
     * As systemd 257's {@code systemctl show} prints it: {@code ~} before a deny list, names
     * separated by spaces; so {@code ~} alone for a unit without the setting.
     */
    public String text() {
        return (allowList ? "" : "~") + String.join(" ", names);
    }

    /**
     * systemd's {@code ifname_valid_full(name, IFNAME_VALID_ALTERNATIVE)}: not empty, shorter
     * than ALTIFNAMSIZ, not an ifindex in disguise (anything strtol with base 0 reads as a
     * positive int, or digits only), not {@code .}, {@code ..}, {@code all} or {@code default},
     * and only printable ASCII other than space, {@code :}, {@code /} and {@code %}.
     */
    public static boolean validName(String name) {
        if (name == null || name.isEmpty()) return false;
        if (looksLikeIfindex(name)) return false;
        if (name.length() >= ALTIFNAMSIZ) return false;
        if (name.equals(".") || name.equals("..") || name.equals("all") || name.equals("default")) return false;
        boolean numeric = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 32 || c >= 127 || c == ':' || c == '/' || c == '%') return false;
            numeric &= c >= '0' && c <= '9';
        }
        return !numeric;
    }

    /** {@code parse_ifindex()}: {@code safe_atoi} (strtol, base 0, optional sign) giving a value above 0. */
    private static boolean looksLikeIfindex(String s) {
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        String digits = s.substring(i);
        int radix = 10;
        if (digits.length() > 2 && (digits.startsWith("0x") || digits.startsWith("0X"))) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            radix = 8;
            digits = digits.substring(1);
        }
        if (digits.isEmpty()) return false;
        try {
            long v = Long.parseLong(digits, radix);
            if (negative) return false;
            return v > 0 && v <= Integer.MAX_VALUE;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
