/** Per-unit datapath: the programs and maps that count, filter and report a unit's traffic. */
module dev.tollgate.accounting {
    requires transitive dev.tollgate.bpf;
    requires transitive dev.tollgate.cgroup;
    requires transitive dev.tollgate.units;

    exports dev.tollgate.accounting;
}
