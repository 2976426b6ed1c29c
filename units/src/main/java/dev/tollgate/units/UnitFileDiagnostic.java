package dev.tollgate.units;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One message about a unit file, located as precisely as it can be: file and line, section and
 * directive. It reads {@code /etc/tollgate/units/web.service:12: [Service] ExecStart=: message},
 * leaving out what is not known ({@code /etc/tollgate/units/web.service: message}). The API's
 * {@code Diagnostic} is its form on the wire (nulls for what is not known), made by the daemon.
 *
 * @param line 1-based line number, or 0 when the message is about the file or the unit as a whole
 */
public record UnitFileDiagnostic(
        LogLevel severity,
        Optional<Path> file,
        int line,
        Optional<String> section,
        Optional<String> directive,
        String message) {

    public UnitFileDiagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(directive, "directive");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
        if (line > 0 && file.isEmpty()) {
            throw new IllegalArgumentException("a line number needs a file");
        }
        if (directive.isPresent() && section.isEmpty()) {
            throw new IllegalArgumentException("a directive needs its section");
        }
    }

    /** A message about one directive at one line. */
    public static UnitFileDiagnostic at(LogLevel severity, Path file, int line, String section, String directive, String message) {
        return new UnitFileDiagnostic(severity, Optional.of(file), line, Optional.ofNullable(section), Optional.ofNullable(directive), message);
    }

    /** A message about a line that is not an assignment (a section header, a stray line). */
    public static UnitFileDiagnostic atLine(LogLevel severity, Path file, int line, String message) {
        return new UnitFileDiagnostic(severity, Optional.of(file), line, Optional.empty(), Optional.empty(), message);
    }

    /** A message about a whole file, or a whole section of it. */
    public static UnitFileDiagnostic ofFile(LogLevel severity, Path file, String section, String message) {
        return new UnitFileDiagnostic(severity, Optional.ofNullable(file), 0, Optional.ofNullable(section), Optional.empty(), message);
    }

    /** A message about a unit that has no file to point at (a bad name, nothing found). */
    public static UnitFileDiagnostic ofUnit(LogLevel severity, String message) {
        return new UnitFileDiagnostic(severity, Optional.empty(), 0, Optional.empty(), Optional.empty(), message);
    }

    public boolean isError() {
        return severity == LogLevel.ERROR;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        file.ifPresent(f -> {
            sb.append(f);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
        });
        section.ifPresent(s -> {
            sb.append('[').append(s).append(']');
            directive.ifPresent(d -> sb.append(' ').append(d).append('='));
            sb.append(": ");
        });
        return sb.append(message).toString();
    }
}
