package dev.tollgate.api;

import java.util.Objects;

/** A kernel capability tollgate probed for (IDL {@code ProbeFeature}); evidence says how it was found out. */
public record ProbeFeature(String name, boolean available, String evidence) {
    public ProbeFeature {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(evidence, "evidence");
    }
}
