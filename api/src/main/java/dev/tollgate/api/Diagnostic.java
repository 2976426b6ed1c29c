package dev.tollgate.api;

import java.util.Objects;

/**
 * One message about a unit file (IDL {@code Diagnostic}).
 *
 * @param file the file, or null
 * @param line the 1-based line in {@code file}, or null
 * @param section the section without brackets ({@code Service}), or null
 * @param directive the directive without {@code =} ({@code IPAddressAllow}), or null
 */
public record Diagnostic(Severity severity, String file, Integer line, String section, String directive, String message) {
    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    /** As systemd prints it: {@code /etc/tollgate/units/web.service:12: [Service] IPAddressAllow=: message}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (file != null) {
            b.append(file);
            if (line != null) {
                b.append(':').append(line);
            }
            b.append(": ");
        }
        if (section != null) {
            b.append('[').append(section).append(']');
            if (directive != null) {
                b.append(' ').append(directive).append('=');
            }
            b.append(": ");
        }
        return b.append(message).toString();
    }
}
