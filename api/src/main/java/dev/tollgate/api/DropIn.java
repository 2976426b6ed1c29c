package dev.tollgate.api;

import java.util.Objects;

/** A drop-in file and its text (IDL {@code DropIn}). */
public record DropIn(String path, String text) {
    public DropIn {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(text, "text");
    }
}
