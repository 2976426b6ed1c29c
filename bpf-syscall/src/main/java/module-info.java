/**
 * bpf(2) through FFM: programs, maps, links, the instruction assembler and the kernel's
 * capabilities. {@code dev.tollgate.bpf.sys} (raw {@code bpf_attr} layouts, the syscall itself)
 * stays inside; callers go through the typed objects of {@code dev.tollgate.bpf}.
 *
 * <p>Exports are one line per package so a package added or renamed here is a one-line change.
 */
module dev.tollgate.bpf {
    requires transitive dev.tollgate.libc;

    exports dev.tollgate.bpf;
    exports dev.tollgate.bpf.asm;
    exports dev.tollgate.bpf.features;
    exports dev.tollgate.bpf.link;
}
