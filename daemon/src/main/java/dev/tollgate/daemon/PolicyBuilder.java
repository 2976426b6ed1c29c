package dev.tollgate.daemon;

import dev.tollgate.accounting.PolicyTrie;
import dev.tollgate.accounting.SocketBindRules;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.units.ResourceControl;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.net.IpAddressList;
import dev.tollgate.units.net.IpPrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A unit's effective network policy from its own settings and those of its ancestor slices
 * (SEMANTICS.md): allow and deny lists are the unions over the chain, so a unit's allow
 * overrides a slice's deny; the slices that count its traffic are the accounted ancestors,
 * nearest first.
 */
final class PolicyBuilder {
    private PolicyBuilder() {}

    /** {@code chain}: the unit's slices, nearest first, ending with the root slice. */
    static UnitPolicy build(UnitConfig unit, Path cgroup, List<SliceConfig> chain) {
        ResourceControl own = unit.resources();
        IpAddressList allow = effectiveAllow(unit, chain);
        IpAddressList deny = effectiveDeny(unit, chain);
        List<PolicyTrie.Entry> rules = new ArrayList<>();
        for (IpPrefix p : allow.entries()) rules.add(new PolicyTrie.Entry(p.address(), p.length(), PolicyTrie.ALLOW));
        for (IpPrefix p : deny.entries()) rules.add(new PolicyTrie.Entry(p.address(), p.length(), PolicyTrie.DENY));
        List<String> accounted = new ArrayList<>();
        for (SliceConfig s : chain) if (s.resources().ipAccounting()) accounted.add(s.name().id());
        List<UnitPolicy.ForeignProgram> foreign = new ArrayList<>();
        for (Path p : own.ipIngressFilterPath()) foreign.add(new UnitPolicy.ForeignProgram(AttachType.CGROUP_INET_INGRESS, p));
        for (Path p : own.ipEgressFilterPath()) foreign.add(new UnitPolicy.ForeignProgram(AttachType.CGROUP_INET_EGRESS, p));
        for (var b : own.bpfPrograms()) {
            AttachType t = AttachType.bySystemdName(b.type().systemdName())
                    .orElseThrow(() -> new IllegalArgumentException("BPFProgram=" + b.type().systemdName() + " is not supported"));
            foreign.add(new UnitPolicy.ForeignProgram(t, b.path()));
        }
        return new UnitPolicy(unit.name().id(), cgroup, own.ipAccounting(), rules, accounted,
                SocketBindRules.of(own.socketBindAllow(), own.socketBindDeny()), foreign, own.delegate().enabled());
    }

    static IpAddressList effectiveAllow(UnitConfig unit, List<SliceConfig> chain) {
        IpAddressList l = unit.resources().ipAddressAllow();
        for (SliceConfig s : chain) l = l.union(s.resources().ipAddressAllow());
        return l;
    }

    static IpAddressList effectiveDeny(UnitConfig unit, List<SliceConfig> chain) {
        IpAddressList l = unit.resources().ipAddressDeny();
        for (SliceConfig s : chain) l = l.union(s.resources().ipAddressDeny());
        return l;
    }
}
