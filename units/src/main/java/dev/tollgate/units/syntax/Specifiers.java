package dev.tollgate.units.syntax;

/**
 * The {@code %} specifier engine of systemd's {@code specifier_printf()}: {@code %%} is a percent
 * sign, {@code %x} is looked up in a table, an unknown letter fails the whole expansion (systemd's
 * "Invalid slot"), and a lone {@code %} at the end is kept. Which letters mean what is the
 * caller's table (systemd.unit(5), "Specifiers").
 */
public final class Specifiers {

    private Specifiers() {}

    /** An expansion, or why it failed. */
    public sealed interface Result permits Result.Ok, Result.Failed {
        record Ok(String value) implements Result {}

        record Failed(String reason) implements Result {}
    }

    /** A specifier table. */
    @FunctionalInterface
    public interface Table {
        /** The expansion of {@code %c}, or {@code null} when {@code c} is not in this table. */
        Result lookup(char c);
    }

    public static Result printf(String text, Table table, int maxLength) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean percent = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (percent) {
                percent = false;
                if (c == '%') {
                    sb.append('%');
                } else {
                    Result r = table.lookup(c);
                    if (r == null) {
                        return new Result.Failed("unknown specifier %" + c);
                    }
                    if (r instanceof Result.Failed f) {
                        return f;
                    }
                    sb.append(((Result.Ok) r).value());
                }
            } else if (c == '%') {
                percent = true;
            } else {
                sb.append(c);
            }
            if (sb.length() > maxLength) {
                return new Result.Failed("expansion longer than " + maxLength + " characters");
            }
        }
        if (percent) {
            sb.append('%');
        }
        return new Result.Ok(sb.toString());
    }

    /** {@code text} with every {@code %} doubled, so that {@link #printf} gives {@code text} back. */
    public static String escape(String text) {
        return text.replace("%", "%%");
    }
}
