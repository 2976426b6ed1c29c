package dev.tollgate.bpf;

import java.util.Optional;

/**
 * The cgroup attach types, numbered as in enum bpf_attach_type, each with the name systemd's
 * {@code BPFProgram=} uses and the program type the kernel requires for it.
 */
public enum AttachType {
    CGROUP_INET_INGRESS(0, "ingress", ProgramType.CGROUP_SKB),
    CGROUP_INET_EGRESS(1, "egress", ProgramType.CGROUP_SKB),
    CGROUP_INET_SOCK_CREATE(2, "sock_create", ProgramType.CGROUP_SOCK),
    CGROUP_SOCK_OPS(3, "sock_ops", ProgramType.SOCK_OPS),
    CGROUP_DEVICE(6, "device", ProgramType.CGROUP_DEVICE),
    CGROUP_INET4_BIND(8, "bind4", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_INET6_BIND(9, "bind6", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_INET4_CONNECT(10, "connect4", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_INET6_CONNECT(11, "connect6", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_INET4_POST_BIND(12, "post_bind4", ProgramType.CGROUP_SOCK),
    CGROUP_INET6_POST_BIND(13, "post_bind6", ProgramType.CGROUP_SOCK),
    CGROUP_UDP4_SENDMSG(14, "sendmsg4", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_UDP6_SENDMSG(15, "sendmsg6", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_SYSCTL(18, "sysctl", ProgramType.CGROUP_SYSCTL),
    CGROUP_UDP4_RECVMSG(19, "recvmsg4", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_UDP6_RECVMSG(20, "recvmsg6", ProgramType.CGROUP_SOCK_ADDR),
    CGROUP_GETSOCKOPT(21, "getsockopt", ProgramType.CGROUP_SOCKOPT),
    CGROUP_SETSOCKOPT(22, "setsockopt", ProgramType.CGROUP_SOCKOPT);

    public final int value;
    /** The name in systemd's {@code BPFProgram=} and in {@code bpftool cgroup tree}. */
    public final String systemdName;
    public final ProgramType programType;

    AttachType(int value, String systemdName, ProgramType programType) {
        this.value = value;
        this.systemdName = systemdName;
        this.programType = programType;
    }

    public static Optional<AttachType> of(int value) {
        for (AttachType t : values()) if (t.value == value) return Optional.of(t);
        return Optional.empty();
    }

    public static Optional<AttachType> bySystemdName(String name) {
        for (AttachType t : values()) if (t.systemdName.equals(name)) return Optional.of(t);
        return Optional.empty();
    }
}
