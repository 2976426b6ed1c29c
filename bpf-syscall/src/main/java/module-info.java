/**
 * bpf(2) through FFM: programs, maps, links, the instruction assembler and the kernel's
 * capabilities. {@code dev.tollgate.bpf.sys} (raw {@code bpf_attr} layouts, the syscall itself)
 * stays inside; callers go through the typed objects of {@code dev.tollgate.bpf}.
 *
 * <p>Exports are one line per package so a package added or renamed here is a one-line change.
 */
// "module": the qualified export below names dev.tollgate.daemon, which is built after this one.
@SuppressWarnings("module")
module dev.tollgate.bpf {
    requires transitive dev.tollgate.libc;

    exports dev.tollgate.bpf;
    exports dev.tollgate.bpf.asm;
    exports dev.tollgate.bpf.features;
    exports dev.tollgate.bpf.link;
    // Remaining leak: BpfException (and BpfCommand, which it names) live in bpf.sys but are
    // thrown through the public API; accounting and the daemon catch them by name. Moving the
    // two types to dev.tollgate.bpf removes this line.
    exports dev.tollgate.bpf.sys to dev.tollgate.accounting, dev.tollgate.daemon;
}
