package dev.tollgate.accounting;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one unit's cgroup should have, as the daemon computed it from the unit and its
 * ancestor slices: the effective allow/deny lists, whether the unit counts its own traffic,
 * the accounted ancestor slices (nearest first), socket-bind rules, programs of others to
 * attach beside ours, whether the subtree is delegated, and the interface restrictions
 * ({@code RestrictNetworkInterfaces=}) of the unit and of each ancestor slice that sets one: a
 * packet must pass every one, as it would pass each level's program in systemd. And how many
 * of its drops it reports as events ({@code IPDropEventRate=}).
 */
public record UnitPolicy(String unit, Path cgroup, boolean accounting, List<PolicyTrie.Entry> addressRules,
                         List<String> accountedSlices, SocketBindRules socketBind,
                         List<ForeignAttachment> foreignPrograms, boolean delegate, List<InterfaceRule> interfaceRules,
                         DropEventRate dropEvents) {
    public UnitPolicy {
        Objects.requireNonNull(dropEvents, "dropEvents");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(cgroup, "cgroup");
        addressRules = List.copyOf(addressRules);
        accountedSlices = List.copyOf(accountedSlices);
        socketBind = socketBind == null ? SocketBindRules.NONE : socketBind;
        foreignPrograms = List.copyOf(foreignPrograms);
        interfaceRules = List.copyOf(interfaceRules);
    }

    /** With the default drop event rate. */
    public UnitPolicy(String unit, Path cgroup, boolean accounting, List<PolicyTrie.Entry> addressRules,
                      List<String> accountedSlices, SocketBindRules socketBind,
                      List<ForeignAttachment> foreignPrograms, boolean delegate, List<InterfaceRule> interfaceRules) {
        this(unit, cgroup, accounting, addressRules, accountedSlices, socketBind, foreignPrograms, delegate, interfaceRules,
                DropEventRate.DEFAULT);
    }

    public UnitPolicy withDropEvents(DropEventRate rate) {
        return new UnitPolicy(unit, cgroup, accounting, addressRules, accountedSlices, socketBind, foreignPrograms, delegate,
                interfaceRules, rate);
    }

    /** Without interface restrictions. */
    public UnitPolicy(String unit, Path cgroup, boolean accounting, List<PolicyTrie.Entry> addressRules,
                      List<String> accountedSlices, SocketBindRules socketBind,
                      List<ForeignAttachment> foreignPrograms, boolean delegate) {
        this(unit, cgroup, accounting, addressRules, accountedSlices, socketBind, foreignPrograms, delegate, List.of());
    }

    /** Whether the unit has address lists (and so a policy trie). */
    public boolean firewall() {
        return !addressRules.isEmpty();
    }

    public boolean restrictsInterfaces() {
        return !interfaceRules.isEmpty();
    }

    /** Whether the unit needs the ingress and egress programs at all. */
    public boolean needsSkbPrograms() {
        return accounting || firewall() || restrictsInterfaces() || !accountedSlices.isEmpty();
    }

    public SkbProgram.Shape shape(Direction d) {
        return SkbProgram.Shape.of(d, addressRules, interfaceRules).withEvents(dropEvents);
    }

    /** A program pinned by someone else to attach beside ours, and where (IPIngressFilterPath=, IPEgressFilterPath=, BPFProgram=). */
    public record ForeignAttachment(dev.tollgate.bpf.AttachType attachType, Path pinnedAt) {}
}
