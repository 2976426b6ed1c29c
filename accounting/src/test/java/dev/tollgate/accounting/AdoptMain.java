package dev.tollgate.accounting;

import dev.tollgate.bpf.link.AttachMechanism;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a fresh JVM by the adoption test: takes over a unit from its pins and prints its
 * counters, then lets go of its fds (everything stays in the kernel).
 * Args: bpffs-dir mode unit cgroup deny-address slice sharing
 */
public final class AdoptMain {
    public static void main(String[] args) {
        try (Accounting acc = new Accounting(Path.of(args[0]), AttachMechanism.parse(args[1]),
                Accounting.ProgramSharing.valueOf(args[6]))) {
            UnitPolicy p = new UnitPolicy(args[2], Path.of(args[3]), true,
                    Prefixes.rules(List.of(), List.of(args[4])), List.of(args[5]), null, List.of(), false);
            UnitDatapath d = acc.adopt(p).orElseThrow(() -> new IllegalStateException("nothing pinned"));
            CounterSums c = d.counters();
            System.out.println("counters " + c.ingressPackets() + " " + c.egressPackets() + " " + c.egressDroppedPackets()
                    + " slice " + acc.sliceCounters(args[5]).orElseThrow().egressPackets());
        }
    }
}
