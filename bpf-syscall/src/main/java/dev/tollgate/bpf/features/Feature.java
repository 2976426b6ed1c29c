package dev.tollgate.bpf.features;

/** One kernel capability, whether it is there, and how that was found out. */
public record Feature(String name, boolean available, String evidence) {}
