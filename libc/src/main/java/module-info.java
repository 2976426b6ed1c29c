/**
 * The one libc layer: every FFM call that is not bpf(2) (errno, mountinfo, cgroup ids, signals,
 * pidfds, spawn, Unix datagram sockets, SO_PEERCRED, sendmmsg/recvmmsg).
 */
module dev.tollgate.libc {
    exports dev.tollgate.libc;
}
