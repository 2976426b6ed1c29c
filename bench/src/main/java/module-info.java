/** Benchmarks of the datapath. Exports nothing. */
module dev.tollgate.bench {
    requires dev.tollgate.accounting;
    requires dev.tollgate.api;
    requires dev.tollgate.bpf;
    requires dev.tollgate.libc;
    requires dev.tollgate.testkit;
    requires java.management;
}
