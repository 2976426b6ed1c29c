package dev.tollgate.bpf;

/** Program types tollgate loads or accepts, numbered as in enum bpf_prog_type. */
public enum ProgramType {
    SOCKET_FILTER(1), SCHED_CLS(3), CGROUP_SKB(8), CGROUP_SOCK(9), SOCK_OPS(13), CGROUP_DEVICE(15),
    CGROUP_SOCK_ADDR(18), CGROUP_SYSCTL(23), CGROUP_SOCKOPT(25);

    public final int value;

    ProgramType(int value) {
        this.value = value;
    }

    public static java.util.Optional<ProgramType> of(int value) {
        for (ProgramType t : values()) if (t.value == value) return java.util.Optional.of(t);
        return java.util.Optional.empty();
    }
}
