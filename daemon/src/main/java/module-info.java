/** tollgated: the manager, its Varlink service, its metrics endpoint. Exports nothing. */
// Micrometer's jars have no module-info, only Automatic-Module-Name: javac warns per requires.
@SuppressWarnings("requires-automatic")
module dev.tollgate.daemon {
    requires dev.tollgate.accounting;
    requires dev.tollgate.api;
    requires dev.tollgate.bpf;
    requires dev.tollgate.cgroup;
    requires dev.tollgate.libc;
    requires dev.tollgate.units;
    requires dev.tollgate.varlink;
    requires info.picocli;
    requires jdk.httpserver;  // the metrics endpoint
    requires jdk.unsupported; // sun.misc.Signal: SIGHUP reload, SIGTERM stop (SignalHandlers)
    requires micrometer.core;
    requires micrometer.registry.prometheus;

    // picocli reads the command's annotated fields; Jackson binds the state file's records.
    opens dev.tollgate.daemon to info.picocli, com.fasterxml.jackson.databind;
}
