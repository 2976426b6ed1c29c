package dev.tollgate.units;

import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * {@code Delegate=} of systemd.resource-control(5): off, on for every controller ({@code yes}),
 * or on for the listed controllers (an empty assignment turns delegation on with none listed).
 */
public sealed interface Delegation permits Delegation.Off, Delegation.All, Delegation.Controllers {

    /** The controller names systemd 252 accepts ({@code cgroup_controller_from_string()}). */
    Set<String> KNOWN_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
            "bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces");

    Delegation OFF = new Off();
    Delegation ALL = new All();

    default boolean enabled() {
        return !(this instanceof Off);
    }

    record Off() implements Delegation {}

    record All() implements Delegation {}

    record Controllers(SortedSet<String> names) implements Delegation {
        public Controllers {
            for (String n : names) {
                if (!KNOWN_CONTROLLERS.contains(n)) {
                    throw new IllegalArgumentException("unknown controller: " + n);
                }
            }
            names = Collections.unmodifiableSortedSet(new TreeSet<>(names));
        }
    }
}
