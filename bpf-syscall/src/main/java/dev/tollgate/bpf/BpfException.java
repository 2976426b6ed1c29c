package dev.tollgate.bpf;

import dev.tollgate.libc.Errno;
import java.util.Optional;

/**
 * A refusal by the kernel: names the command, the errno and what it usually means for that
 * command; for a program load, carries the verifier's log.
 */
public final class BpfException extends RuntimeException {
    private final BpfCommand command;
    private final Errno errno;
    private final String verifierLog;

    public BpfException(BpfCommand command, Errno errno, String context, String verifierLog) {
        super(message(command, errno, context, verifierLog));
        this.command = command;
        this.errno = errno;
        this.verifierLog = verifierLog == null || verifierLog.isBlank() ? null : verifierLog;
    }

    public BpfException(BpfCommand command, Errno errno, String context) {
        this(command, errno, context, null);
    }

    public BpfCommand command() {
        return command;
    }

    public Errno errno() {
        return errno;
    }

    /** The verifier's log, for a program the verifier rejected. */
    public Optional<String> verifierLog() {
        return Optional.ofNullable(verifierLog);
    }

    private static String message(BpfCommand command, Errno errno, String context, String log) {
        StringBuilder m = new StringBuilder(command.name()).append(" failed");
        if (context != null && !context.isBlank()) m.append(" (").append(context).append(')');
        m.append(": ").append(errno);
        String hint = hint(command, errno);
        if (hint != null) m.append(" - ").append(hint);
        if (log != null && !log.isBlank()) {
            m.append("\nverifier log:\n").append(log.strip());
        }
        return m.toString();
    }

    /** What an errno usually means for a command, on the paths tollgate uses. */
    static String hint(BpfCommand command, Errno errno) {
        return switch (command) {
            case BPF_PROG_ATTACH, BPF_LINK_CREATE -> switch (errno) {
                case EPERM -> "missing CAP_BPF/CAP_NET_ADMIN, or the nearest ancestor cgroup holding programs "
                        + "attached them without BPF_F_ALLOW_MULTI (flags 0 blocks every attach below it), "
                        + "or this cgroup level is already in another attach mode";
                case E2BIG -> "64 programs are already attached at this cgroup level for this attach type";
                case EINVAL -> "flags unknown to this kernel, BPF_F_REPLACE without BPF_F_ALLOW_MULTI, "
                        + "the same program attached twice in multi mode, or program type and attach type disagree";
                case ENOENT -> "the program to replace is not attached there";
                case EBADF -> "a file descriptor (cgroup or program) is not valid";
                case ENOTDIR -> "the target is not a cgroup v2 directory";
                default -> null;
            };
            case BPF_PROG_DETACH -> switch (errno) {
                case ENOENT, EINVAL -> "that program is not attached there with this attach type "
                        + "(multi mode needs the exact program; a link's program is detached through the link)";
                case EPERM -> "missing CAP_BPF/CAP_NET_ADMIN";
                default -> null;
            };
            case BPF_PROG_LOAD -> switch (errno) {
                case EPERM -> "missing CAP_BPF (or CAP_SYS_ADMIN), or RLIMIT_MEMLOCK too low on kernels before 5.11";
                case EACCES -> "the verifier rejected the program (see its log)";
                case EINVAL -> "the verifier rejected the program, or a field is unknown to this kernel";
                case E2BIG -> "the program is too large, or bpf_attr has non-zero bytes this kernel does not know";
                case ENOSPC -> "the verifier log did not fit in its buffer";
                default -> null;
            };
            case BPF_MAP_CREATE -> switch (errno) {
                case EPERM -> "missing CAP_BPF, or RLIMIT_MEMLOCK too low on kernels before 5.11";
                case EINVAL -> "map type, sizes or flags not supported by this kernel "
                        + "(an LPM trie needs BPF_F_NO_PREALLOC)";
                case ENOMEM -> "not enough memory (or memory cgroup limit) for the map";
                default -> null;
            };
            case BPF_MAP_LOOKUP_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY -> switch (errno) {
                case ENOENT -> "no such key";
                default -> null;
            };
            case BPF_MAP_UPDATE_ELEM -> switch (errno) {
                case E2BIG -> "the map is full (max_entries reached)";
                case EEXIST -> "the key exists and BPF_NOEXIST was given";
                case ENOENT -> "the key does not exist and BPF_EXIST was given";
                case EINVAL -> "bad key or value (e.g. array index out of range, inner map of the wrong shape)";
                default -> null;
            };
            case BPF_PROG_QUERY -> switch (errno) {
                case ENOSPC -> "more programs are attached than the id buffer holds";
                case EBADF -> "the cgroup file descriptor is not valid";
                default -> null;
            };
            case BPF_OBJ_PIN -> switch (errno) {
                case EEXIST -> "something is already pinned at that path";
                case EPERM -> "the path is not on a bpffs mount, or access is denied";
                case ENOENT -> "the parent directory does not exist on bpffs";
                default -> null;
            };
            case BPF_OBJ_GET -> switch (errno) {
                case ENOENT -> "nothing is pinned at that path";
                case EPERM -> "the path is not on a bpffs mount, or access is denied";
                case EINVAL -> "the path is not a pinned bpf object";
                default -> null;
            };
            case BPF_LINK_UPDATE -> switch (errno) {
                case ENOLINK -> "the link's cgroup has been removed";
                case EINVAL -> "the new program's type or expected attach type differs from the link's";
                case EPERM -> "the old program given is not the link's current program";
                default -> null;
            };
            case BPF_LINK_DETACH -> errno == Errno.EINVAL ? "this link type cannot be detached on this kernel" : null;
            case BPF_PROG_TEST_RUN -> switch (errno) {
                case EINVAL -> "input too short (cgroup_skb needs a 14-byte Ethernet header first) or a ctx field "
                        + "that may not be set";
                case ENOTSUPP -> "this program type cannot be test-run";
                default -> null;
            };
            case BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID ->
                    errno == Errno.ENOENT ? "no object with that id (it was freed)" : null;
            default -> null;
        };
    }
}
