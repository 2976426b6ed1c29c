package dev.tollgate.daemon;

import dev.tollgate.accounting.InterfaceRule;
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
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A unit's effective network policy from its own settings and those of its ancestor slices
 * (SEMANTICS.md): allow and deny lists are the unions over the chain, so a unit's allow
 * overrides a slice's deny; the slices that count its traffic are the accounted ancestors,
 * nearest first. {@code RestrictNetworkInterfaces=} is not merged: each level that sets it is
 * a rule of its own that a packet must pass, as each level's program in systemd.
 */
final class PolicyBuilder {
    private PolicyBuilder() {}

    /** How names become ifindexes, and who hears of a name that does not. */
    interface InterfaceResolver {
        OptionalInt indexOf(String name);

        /** The unit (or slice) {@code level} names {@code name}, which is no interface here: it is left out. */
        void unknown(String level, String name);
    }

    /** Names resolved in the daemon's network namespace; unknown ones only left out. */
    static final InterfaceResolver HOST = new InterfaceResolver() {
        @Override
        public OptionalInt indexOf(String name) {
            return dev.tollgate.libc.InterfaceIndex.of(name);
        }

        @Override
        public void unknown(String level, String name) {}
    };

    static UnitPolicy build(UnitConfig unit, Path cgroup, List<SliceConfig> chain) {
        return build(unit, cgroup, chain, HOST);
    }

    /** {@code chain}: the unit's slices, nearest first, ending with the root slice. */
    static UnitPolicy build(UnitConfig unit, Path cgroup, List<SliceConfig> chain, InterfaceResolver interfaces) {
        ResourceControl own = unit.resources();
        IpAddressList allow = effectiveAllow(unit, chain);
        IpAddressList deny = effectiveDeny(unit, chain);
        List<PolicyTrie.Entry> rules = new ArrayList<>();
        for (IpPrefix p : allow.entries()) rules.add(new PolicyTrie.Entry(p.address(), p.length(), PolicyTrie.ALLOW));
        for (IpPrefix p : deny.entries()) rules.add(new PolicyTrie.Entry(p.address(), p.length(), PolicyTrie.DENY));
        List<String> accounted = new ArrayList<>();
        for (SliceConfig s : chain) if (s.resources().ipAccounting()) accounted.add(s.name().id());
        List<UnitPolicy.ForeignAttachment> foreign = new ArrayList<>();
        for (Path p : own.ipIngressFilterPath()) foreign.add(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_INGRESS, p));
        for (Path p : own.ipEgressFilterPath()) foreign.add(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_EGRESS, p));
        for (var b : own.bpfPrograms()) {
            AttachType t = AttachType.bySystemdName(b.type().systemdName())
                    .orElseThrow(() -> new IllegalArgumentException("BPFProgram=" + b.type().systemdName() + " is not supported"));
            foreign.add(new UnitPolicy.ForeignAttachment(t, b.path()));
        }
        List<InterfaceRule> interfaceRules = new ArrayList<>();
        interfaceRule(unit, interfaces).ifPresent(interfaceRules::add);
        for (SliceConfig s : chain) interfaceRule(s, interfaces).ifPresent(interfaceRules::add);
        return new UnitPolicy(unit.name().id(), cgroup, own.ipAccounting(), rules, accounted,
                SocketBindRules.of(own.socketBindAllow(), own.socketBindDeny()), foreign, own.delegate().enabled(),
                interfaceRules).withDropEvents(DropEvents.rate(own.ipDropEventRate()));
    }

    /**
     * One level's {@code RestrictNetworkInterfaces=} with names resolved now (systemd resolves
     * them when it installs the unit's program): an unknown name is left out, so an allow list
     * of unknown names allows nothing, as in systemd 257.
     */
    static java.util.Optional<InterfaceRule> interfaceRule(UnitConfig level, InterfaceResolver resolver) {
        var ni = level.resources().restrictNetworkInterfaces();
        if (!ni.restricts()) return java.util.Optional.empty();
        List<Integer> indexes = new ArrayList<>();
        for (String name : ni.names()) {
            OptionalInt i = resolver.indexOf(name);
            if (i.isPresent()) indexes.add(i.getAsInt());
            else resolver.unknown(level.name().id(), name);
        }
        return java.util.Optional.of(new InterfaceRule(ni.allowList(), indexes));
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
