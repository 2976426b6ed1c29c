package dev.tollgate.units.syntax;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * systemd's {@code parse_boolean()}: {@code 1 yes y true t on} and {@code 0 no n false f off},
 * case-insensitive (systemd.syntax(7) lists the long spellings; the code accepts the short ones too).
 * Anything else, the empty string included, is not a boolean.
 */
public final class Booleans {

    private static final Set<String> TRUE = Set.of("1", "yes", "y", "true", "t", "on");
    private static final Set<String> FALSE = Set.of("0", "no", "n", "false", "f", "off");

    private Booleans() {}

    public static Optional<Boolean> parse(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return Optional.of(Boolean.TRUE);
        }
        if (FALSE.contains(v)) {
            return Optional.of(Boolean.FALSE);
        }
        return Optional.empty();
    }
}
