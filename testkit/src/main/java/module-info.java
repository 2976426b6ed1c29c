/** Test support shared by the modules' tests: scratch cgroups, privileges, seeds. */
module dev.tollgate.testkit {
    requires transitive dev.tollgate.libc;
    requires transitive org.junit.jupiter.api;

    exports dev.tollgate.testkit;
}
