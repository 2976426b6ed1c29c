package dev.tollgate.bpf.link;

import dev.tollgate.bpf.AttachFlags;

/**
 * The kernel mechanism that attaches a program to a cgroup: the rungs of the ladder, best
 * first, with the flags each needs. The API's {@code AttachMode} names the same choice on the
 * wire ({@link #configName()} is its spelling); this one is what the bpf(2) calls need.
 */
public enum AttachMechanism {
    /** BPF_LINK_CREATE (5.7): owned by a link, pinned so it survives us; multi semantics. */
    LINK("bpf_link (BPF_LINK_CREATE, kernel 5.7+)"),
    /** BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI (4.15), BPF_F_REPLACE for atomic swaps (5.6). */
    MULTI("BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI (kernel 4.15+)"),
    /** BPF_PROG_ATTACH with flags 0: one program per cgroup, nothing can attach below. */
    SINGLE("BPF_PROG_ATTACH with flags 0 (one program per cgroup)");

    public final String mechanism;

    AttachMechanism(String mechanism) {
        this.mechanism = mechanism;
    }

    /** Whether programs of others (a delegatee, custom filters) can run beside ours in this mode. */
    public boolean allowsProgramsBeside() {
        return this != SINGLE;
    }

    /** The legacy attach flags of this mode (links have none). */
    public int legacyFlags() {
        return this == MULTI ? AttachFlags.ALLOW_MULTI : AttachFlags.NONE;
    }

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static AttachMechanism parse(String name) {
        for (AttachMechanism m : values()) if (m.configName().equals(name)) return m;
        throw new IllegalArgumentException("unknown attach mode '" + name + "' (link, multi or single)");
    }
}
