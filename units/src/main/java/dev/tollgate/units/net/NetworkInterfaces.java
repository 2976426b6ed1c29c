package dev.tollgate.units.net;

import java.util.List;
import java.util.Objects;

/**
 * {@code RestrictNetworkInterfaces=} as a unit sets it (systemd 250+): interface names and
 * whether they are the only ones allowed ({@code allowList}) or the ones denied (a leading
 * {@code ~}). Names are resolved to ifindexes only when the unit starts; an empty set restricts
 * nothing (systemd installs no program for it), whatever {@code allowList} says. Names keep the
 * order of their first assignment, as systemd 257's {@code systemctl show} prints them.
 */
public record NetworkInterfaces(boolean allowList, List<String> names) {
    /** systemd's default: no names, and not an allow list (so {@code systemctl show} prints {@code ~}). */
    public static final NetworkInterfaces NONE = new NetworkInterfaces(false, List.of());

    /** systemd's ALTIFNAMSIZ: alternative names are allowed, so up to 127 bytes. */
    public static final int ALTIFNAMSIZ = 128;

    public NetworkInterfaces {
        Objects.requireNonNull(names, "names");
        names = List.copyOf(new java.util.LinkedHashSet<>(names));
        for (String n : names) {
            if (!validName(n)) throw new IllegalArgumentException("invalid interface name " + n);
        }
    }

    public boolean isEmpty() {
        return names.isEmpty();
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
