package dev.tollgate.units.exec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a service's standard output or error goes ({@code StandardOutput=}, {@code StandardError=}
 * of systemd.exec(5)). tollgate has no journal: {@code journal}, {@code kmsg}, {@code tty} and their
 * {@code +console} forms are read as {@link Inherit} (the daemon's own output), with a notice.
 */
public sealed interface StandardOutput permits StandardOutput.Inherit, StandardOutput.Null, StandardOutput.File {

    /** The daemon's own stream (for standard error: the same as standard output). */
    record Inherit() implements StandardOutput {
        @Override
        public String toString() {
            return "inherit";
        }
    }

    /** {@code /dev/null}. */
    record Null() implements StandardOutput {
        @Override
        public String toString() {
            return "null";
        }
    }

    /** A file: {@code file:} (write from the start, no truncation), {@code append:}, {@code truncate:}. */
    record File(Path path, Mode mode) implements StandardOutput {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(mode, "mode");
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("output file must be absolute: " + path);
            }
        }

        @Override
        public String toString() {
            return mode.prefix + path;
        }
    }

    enum Mode {
        WRITE("file:"),
        APPEND("append:"),
        TRUNCATE("truncate:");

        private final String prefix;

        Mode(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    StandardOutput INHERIT = new Inherit();
    StandardOutput NULL = new Null();
}
