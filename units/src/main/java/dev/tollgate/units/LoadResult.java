package dev.tollgate.units;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of loading one unit, with every diagnostic on the way; systemd's load states
 * {@code loaded}, {@code masked}, {@code not-found} and {@code bad-setting}/{@code error}.
 * Loading never throws for bad input: whatever is wrong is in here.
 */
public sealed interface LoadResult permits LoadResult.Loaded, LoadResult.Masked, LoadResult.NotFound, LoadResult.Failed {

    /** The name as it was asked for. */
    String name();

    List<UnitFileDiagnostic> diagnostics();

    /** The unit loaded; {@code diagnostics} holds warnings and notices only. */
    record Loaded(String name, UnitConfig config, List<UnitFileDiagnostic> diagnostics) implements LoadResult {
        public Loaded {
            Objects.requireNonNull(config, "config");
            diagnostics = List.copyOf(diagnostics);
            if (diagnostics.stream().anyMatch(UnitFileDiagnostic::isError)) {
                throw new IllegalArgumentException("a loaded unit has no errors");
            }
        }
    }

    /** The unit file is empty or a link to {@code /dev/null}: the unit exists but may not be started. */
    record Masked(String name, Path maskedBy, List<UnitFileDiagnostic> diagnostics) implements LoadResult {
        public Masked {
            Objects.requireNonNull(maskedBy, "maskedBy");
            diagnostics = List.copyOf(diagnostics);
        }
    }

    /** No unit file in the search path (and for a template instance, no template either). */
    record NotFound(String name, List<Path> searchPath, List<UnitFileDiagnostic> diagnostics) implements LoadResult {
        public NotFound {
            searchPath = List.copyOf(searchPath);
            diagnostics = List.copyOf(diagnostics);
        }
    }

    /** The unit cannot be loaded: a bad name, an unreadable file, or a setting systemd would refuse. */
    record Failed(String name, String reason, List<UnitFileDiagnostic> diagnostics) implements LoadResult {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            diagnostics = List.copyOf(diagnostics);
        }
    }
}
