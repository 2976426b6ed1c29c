package dev.tollgate.bpf.features;

/**
 * One thing tollgate needs from the kernel, found out by trying it (KERNEL.md, "Probing"),
 * never from the version number. Each is consulted where it matters (named per constant); the
 * probe report lists them all by {@link #displayName}, the name the Varlink {@code Probe}
 * reply carries. {@link #needsCgroup} capabilities are tried on a scratch cgroup, the others
 * are facts of the whole kernel, probed once per process.
 */
public enum KernelCapability {
    /** The cgroup v2 hierarchy (the mount the daemon was given): everything cgroup-based needs it. */
    CGROUP2("cgroup v2 mounted", true),
    /** bpf(2) itself (an array map): a datapath prerequisite of every attach mode. */
    BPF("bpf(2) usable (map create)", false),
    /** cgroup_skb programs (4.10): the accounting and firewall programs; a datapath prerequisite. */
    CGROUP_SKB("cgroup_skb programs", false),
    /** Attach with flags 0 (4.10): attach mode {@code single}. */
    ATTACH("cgroup attach (flags 0, single)", true),
    /** BPF_F_ALLOW_MULTI (4.15): attach mode {@code multi}. */
    MULTI("BPF_F_ALLOW_MULTI", true),
    /** BPF_F_REPLACE (5.6): how a multi attachment swaps its program in place. */
    REPLACE("BPF_F_REPLACE", false),
    /** cgroup bpf_link (5.7): attach mode {@code link}, with {@link #LINK_UPDATE}. */
    LINK("cgroup bpf_link (BPF_LINK_CREATE)", true),
    /** BPF_LINK_UPDATE on a cgroup link (5.7): how a link attachment swaps its program. */
    LINK_UPDATE("BPF_LINK_UPDATE", true),
    /** BPF_LINK_DETACH (5.9): how a link attachment detaches while others still hold the link. */
    LINK_DETACH("BPF_LINK_DETACH", false),
    /** cgroup_sock_addr bind4/bind6 programs (4.17): SocketBindAllow=/SocketBindDeny=. */
    BIND_HOOKS("bind4/bind6 hooks (cgroup_sock_addr)", false),
    /** LPM trie maps (4.11): the firewall's policy trie; a datapath prerequisite. */
    LPM_TRIE("LPM trie maps", false),
    /** Per-CPU array maps (4.6): the counters; a datapath prerequisite. */
    PERCPU_ARRAY("per-CPU array maps", false),
    /** BPF ring buffers (5.8): drop events. */
    RINGBUF("ring buffer maps", false),
    /** Direct packet reads in cgroup_skb (skb->data, 5.2): the firewall reads addresses without a helper call. */
    DIRECT_PACKET_READ("direct packet reads (cgroup_skb)", false),
    /**
     * Cgroup storage keyed by the cgroup id alone (a u64 key, 5.9): one storage map for all
     * units, so units of one program shape share one loaded program; without it each unit
     * loads programs of its own.
     */
    SHARED_CGROUP_STORAGE("cgroup storage keyed by cgroup id (shared programs)", false);

    /** The name people and the Varlink {@code Probe} reply see. */
    public final String displayName;
    /** Whether the probe needs a scratch cgroup (else it is a fact of the whole kernel). */
    public final boolean needsCgroup;

    KernelCapability(String displayName, boolean needsCgroup) {
        this.displayName = displayName;
        this.needsCgroup = needsCgroup;
    }
}
