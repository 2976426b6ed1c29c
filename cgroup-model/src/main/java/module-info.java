/** The cgroup v2 hierarchy: paths, ids, controllers, delegation. */
module dev.tollgate.cgroup {
    requires transitive dev.tollgate.libc;

    exports dev.tollgate.cgroup;
}
