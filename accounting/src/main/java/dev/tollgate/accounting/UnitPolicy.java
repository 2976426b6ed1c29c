package dev.tollgate.accounting;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one unit's cgroup should have, as the daemon computed it from the unit and its
 * ancestor slices: the effective allow/deny lists, whether the unit counts its own traffic,
 * the accounted ancestor slices (nearest first), socket-bind rules, programs of others to
 * attach beside ours, and whether the subtree is delegated.
 */
public record UnitPolicy(String unit, Path cgroup, boolean accounting, List<PolicyTrie.Entry> addressRules,
                         List<String> accountedSlices, SocketBindRules socketBind,
                         List<ForeignProgram> foreignPrograms, boolean delegate) {
    public UnitPolicy {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(cgroup, "cgroup");
        addressRules = List.copyOf(addressRules);
        accountedSlices = List.copyOf(accountedSlices);
        socketBind = socketBind == null ? SocketBindRules.NONE : socketBind;
        foreignPrograms = List.copyOf(foreignPrograms);
    }

    public boolean firewall() {
        return !addressRules.isEmpty();
    }

    /** Whether the unit needs the ingress and egress programs at all. */
    public boolean needsSkbPrograms() {
        return accounting || firewall() || !accountedSlices.isEmpty();
    }

    public SkbProgram.Shape shape(Direction d) {
        return SkbProgram.Shape.of(d, addressRules);
    }

    /** A program pinned by someone else (IPIngressFilterPath=, IPEgressFilterPath=, BPFProgram=). */
    public record ForeignProgram(dev.tollgate.bpf.AttachType attachType, Path pinnedAt) {}
}
