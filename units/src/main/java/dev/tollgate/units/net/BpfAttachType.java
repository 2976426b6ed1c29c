package dev.tollgate.units.net;

import java.util.Optional;

/**
 * The cgroup attach types {@code BPFProgram=} names, spelled as systemd spells them
 * ({@code bpf_cgroup_attach_type_table} in src/shared/bpf-program.c). Only the names live here;
 * what they mean to the kernel is the BPF layer's business.
 */
public enum BpfAttachType {
    INGRESS("ingress"),
    EGRESS("egress"),
    SOCK_CREATE("sock_create"),
    SOCK_OPS("sock_ops"),
    DEVICE("device"),
    BIND4("bind4"),
    BIND6("bind6"),
    CONNECT4("connect4"),
    CONNECT6("connect6"),
    POST_BIND4("post_bind4"),
    POST_BIND6("post_bind6"),
    SENDMSG4("sendmsg4"),
    SENDMSG6("sendmsg6"),
    SYSCTL("sysctl"),
    RECVMSG4("recvmsg4"),
    RECVMSG6("recvmsg6"),
    GETSOCKOPT("getsockopt"),
    SETSOCKOPT("setsockopt");

    private final String systemdName;

    BpfAttachType(String systemdName) {
        this.systemdName = systemdName;
    }

    public String systemdName() {
        return systemdName;
    }

    public static Optional<BpfAttachType> fromSystemdName(String name) {
        for (BpfAttachType t : values()) {
            if (t.systemdName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return systemdName;
    }
}
