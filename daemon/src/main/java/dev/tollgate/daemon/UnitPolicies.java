package dev.tollgate.daemon;

import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unit's network policy from its settings and its slices', with interface names resolved in
 * the daemon's network namespace (an unknown name warned about once per level, as systemd 257
 * words it), and the one warning per unit that it runs without cgroup BPF.
 */
final class UnitPolicies {
    private final CgroupOps cgroups;
    private final Set<String> warnedInterfaces = ConcurrentHashMap.newKeySet();
    private final Set<String> warnedNoBpf = ConcurrentHashMap.newKeySet();
    private final PolicyBuilder.InterfaceResolver resolver;

    UnitPolicies(CgroupOps cgroups, PolicyBuilder.InterfaceResolver host) {
        this.cgroups = cgroups;
        this.resolver = new PolicyBuilder.InterfaceResolver() {
            @Override
            public OptionalInt indexOf(String name) {
                OptionalInt i = host.indexOf(name);
                if (i.isPresent()) warnedInterfaces.removeIf(k -> k.endsWith(" " + name));
                return i;
            }

            @Override
            public void unknown(String level, String name) {
                if (warnedInterfaces.add(level + " " + name)) {
                    Log.warning("%s: restrict-interfaces: Couldn't find index of network interface '%s', ignoring: No such device",
                            level, name);
                }
            }
        };
    }

    UnitPolicy of(UnitConfig c, List<SliceConfig> chain) {
        return PolicyBuilder.build(c, cgroups.of(c).directory(), chain, resolver);
    }

    /** Whether the unit needs programs at all. */
    static boolean wantsDatapath(UnitPolicy p) {
        return p.needsSkbPrograms() || !p.socketBind().isEmpty() || !p.foreignPrograms().isEmpty();
    }

    /** Address lists, interface restrictions, socket-bind rules and programs of others: what must never be silently missing. */
    static boolean hasFirewall(UnitPolicy policy) {
        return policy.firewall() || policy.restrictsInterfaces() || !policy.socketBind().isEmpty()
                || !policy.foreignPrograms().isEmpty();
    }

    void warnNoBpf(String unit, String reason) {
        if (warnedNoBpf.add(unit)) Log.warning("%s: runs without IP accounting and firewall: %s", unit, reason);
    }
}
