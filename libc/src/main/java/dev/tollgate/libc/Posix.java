package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;

/**
 * The libc calls of process spawning and supervision (x86-64 / aarch64 Linux, glibc): the
 * posix_spawn family, pidfds, waitid, epoll, prlimit, mkfifo. Calls that can fail return
 * the errno (or a negative errno where they also return a value); none throws for a kernel
 * error. {@link #HAS_CLONE_INTO_CGROUP} is the probe that chooses how services are spawned.
 */
public final class Posix {
    private Posix() {}

    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /** Each thread's errno buffer for the calls whose errno nobody reads (close, gettid, destroying spawn attributes). */
    private static final ThreadLocal<MemorySegment> SCRATCH_STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int EINTR = 4;

    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    public static final short POSIX_SPAWN_SETSID = 0x80;
    public static final short POSIX_SPAWN_SETCGROUP = 0x100;

    private static final int P_PIDFD = 3;
    private static final int WEXITED = 4;
    private static final int CLD_EXITED = 1;
    private static final int RLIMIT_NOFILE = 7;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 1;

    /** glibc's opaque types, sized generously (posix_spawnattr_t 336, file actions 80, sigset_t 128). */
    private static final long ATTR_SIZE = 512;
    private static final long FILE_ACTIONS_SIZE = 128;
    private static final long SIGSET_SIZE = 128;
    private static final long SIGINFO_SIZE = 128;

    /** glibc ≥ 2.39: clone3 with CLONE_INTO_CGROUP underneath posix_spawn, and a pidfd from it. */
    public static final boolean HAS_CLONE_INTO_CGROUP = Native.find("pidfd_spawn").isPresent()
            && Native.find("posix_spawnattr_setcgroup_np").isPresent() && Native.find("pidfd_getpid").isPresent();

    private static final MemorySegment ATTR_INIT = Native.function("posix_spawnattr_init");
    private static final MemorySegment ATTR_DESTROY = Native.function("posix_spawnattr_destroy");
    private static final MemorySegment ATTR_SETFLAGS = Native.function("posix_spawnattr_setflags");
    private static final MemorySegment ATTR_SETSIGMASK = Native.function("posix_spawnattr_setsigmask");
    private static final MemorySegment ATTR_SETSIGDEFAULT = Native.function("posix_spawnattr_setsigdefault");
    private static final MemorySegment ATTR_SETCGROUP = HAS_CLONE_INTO_CGROUP ? Native.function("posix_spawnattr_setcgroup_np") : null;
    private static final MemorySegment SIGEMPTYSET = Native.function("sigemptyset");
    private static final MemorySegment SIGFILLSET = Native.function("sigfillset");
    private static final MemorySegment FA_INIT = Native.function("posix_spawn_file_actions_init");
    private static final MemorySegment FA_DESTROY = Native.function("posix_spawn_file_actions_destroy");
    private static final MemorySegment FA_ADDOPEN = Native.function("posix_spawn_file_actions_addopen");
    private static final MemorySegment FA_ADDDUP2 = Native.function("posix_spawn_file_actions_adddup2");
    private static final MemorySegment FA_ADDCHDIR = Native.function("posix_spawn_file_actions_addchdir_np");
    private static final MemorySegment FA_ADDCLOSEFROM = Native.function("posix_spawn_file_actions_addclosefrom_np");
    private static final MemorySegment POSIX_SPAWN = Native.function("posix_spawn");
    private static final MemorySegment PIDFD_SPAWN = HAS_CLONE_INTO_CGROUP ? Native.function("pidfd_spawn") : null;
    private static final MemorySegment PIDFD_GETPID = HAS_CLONE_INTO_CGROUP ? Native.function("pidfd_getpid") : null;
    private static final MemorySegment PIDFD_OPEN = Native.function("pidfd_open");
    private static final MemorySegment PIDFD_SEND_SIGNAL = Native.function("pidfd_send_signal");
    private static final MemorySegment WAITID = Native.function("waitid");
    /** open(2) is variadic (the mode), so it has a descriptor of its own rather than {@link Native#call}. */
    private static final MethodHandle OPEN = Native.downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Native.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MemorySegment CLOSE = Native.function("close");
    private static final MemorySegment MKFIFO = Native.function("mkfifo");
    private static final MemorySegment UNLINK = Native.function("unlink");
    private static final MemorySegment GETTID = Native.function("gettid");
    private static final MemorySegment PRLIMIT = Native.function("prlimit");
    private static final MemorySegment EPOLL_CREATE1 = Native.function("epoll_create1");
    private static final MemorySegment EPOLL_CTL = Native.function("epoll_ctl");
    private static final MemorySegment EPOLL_WAIT = Native.function("epoll_wait");

    private static int errno(MemorySegment state) {
        return Native.errno(state);
    }

    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** What to open in the child, in order; each open lands on fd {@code fd}. */
    public sealed interface FileAction {
        record Open(int fd, String path, int flags, int mode) implements FileAction {}

        record Dup(int from, int to) implements FileAction {}

        record Chdir(String path) implements FileAction {}

        /** Closes every fd from {@code fd} up (glibc ≥ 2.34): the JVM's own fds lack O_CLOEXEC. */
        record CloseFrom(int fd) implements FileAction {}
    }

    /** A spawn's inputs in native memory, valid while {@code arena} is. */
    public record Prepared(MemorySegment path, MemorySegment fileActions, MemorySegment attr, MemorySegment argv, MemorySegment envp) {}

    /**
     * posix_spawnattr with a new session, default dispositions for every signal and an empty
     * mask (what systemd gives a service), and for {@code cgroupFd >= 0} the cgroup to be born in.
     */
    public static Prepared prepare(Arena arena, String path, List<String> argv, Map<String, String> env, List<FileAction> actions, int cgroupFd) {
        MemorySegment scratch = arena.allocate(CAPTURE_LAYOUT);
        MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
        check("posix_spawnattr_init", (int) Native.call(ATTR_INIT, scratch, attr.address()));
        short flags = (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        if (cgroupFd >= 0) {
            flags |= POSIX_SPAWN_SETCGROUP;
            check("posix_spawnattr_setcgroup_np", (int) Native.call(ATTR_SETCGROUP, scratch, attr.address(), cgroupFd));
        }
        check("posix_spawnattr_setflags", (int) Native.call(ATTR_SETFLAGS, scratch, attr.address(), flags));
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
        Native.call(SIGFILLSET, scratch, all.address());
        check("posix_spawnattr_setsigdefault", (int) Native.call(ATTR_SETSIGDEFAULT, scratch, attr.address(), all.address()));
        MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
        Native.call(SIGEMPTYSET, scratch, none.address());
        check("posix_spawnattr_setsigmask", (int) Native.call(ATTR_SETSIGMASK, scratch, attr.address(), none.address()));
        MemorySegment fa = arena.allocate(FILE_ACTIONS_SIZE, 16);
        check("posix_spawn_file_actions_init", (int) Native.call(FA_INIT, scratch, fa.address()));
        // instanceof, not a pattern switch: a switch's bootstrap spins a class at its first use by
        // every thread that gets there meanwhile (a dozen spawn threads at the start of a boot).
        for (FileAction a : actions) {
            if (a instanceof FileAction.Open o) {
                check("posix_spawn_file_actions_addopen",
                        (int) Native.call(FA_ADDOPEN, scratch, fa.address(), o.fd(), arena.allocateFrom(o.path()).address(), o.flags(), o.mode()));
            } else if (a instanceof FileAction.Dup d) {
                check("posix_spawn_file_actions_adddup2", (int) Native.call(FA_ADDDUP2, scratch, fa.address(), d.from(), d.to()));
            } else if (a instanceof FileAction.Chdir c) {
                check("posix_spawn_file_actions_addchdir_np",
                        (int) Native.call(FA_ADDCHDIR, scratch, fa.address(), arena.allocateFrom(c.path()).address()));
            } else {
                check("posix_spawn_file_actions_addclosefrom_np",
                        (int) Native.call(FA_ADDCLOSEFROM, scratch, fa.address(), ((FileAction.CloseFrom) a).fd()));
            }
        }
        return new Prepared(arena.allocateFrom(path), fa, attr, strings(arena, argv),
                strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }

    /** Frees what glibc allocated inside the attr and file actions (the arena frees the rest). */
    public static void release(Prepared p) {
        MemorySegment scratch = SCRATCH_STATE.get();
        Native.call(FA_DESTROY, scratch, p.fileActions().address());
        Native.call(ATTR_DESTROY, scratch, p.attr().address());
    }

    private static void check(String what, int rc) {
        if (rc != 0) throw new IllegalStateException(what + " failed: errno " + rc);
    }

    private static MemorySegment strings(Arena arena, List<String> list) {
        // Pointers written as longs: the ADDRESS layout's accessors are forms of their own to spin.
        MemorySegment array = arena.allocate(JAVA_LONG, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) array.setAtIndex(JAVA_LONG, i, arena.allocateFrom(list.get(i)).address());
        array.setAtIndex(JAVA_LONG, list.size(), 0L);
        return array;
    }

    /** posix_spawn(3); the pid, or the negative errno. Blocks until the child has exec'd or failed. */
    public static long posixSpawn(Arena arena, Prepared p) {
        MemorySegment pid = arena.allocate(JAVA_INT);
        int rc = (int) Native.call(POSIX_SPAWN, arena.allocate(CAPTURE_LAYOUT), pid.address(), p.path().address(), p.fileActions().address(),
                p.attr().address(), p.argv().address(), p.envp().address());
        return rc == 0 ? pid.get(JAVA_INT, 0) : -rc;
    }

    /** pidfd_spawn(3) (glibc ≥ 2.39); the pidfd, or the negative errno. */
    public static int pidfdSpawn(Arena arena, Prepared p) {
        MemorySegment pidfd = arena.allocate(JAVA_INT);
        int rc = (int) Native.call(PIDFD_SPAWN, arena.allocate(CAPTURE_LAYOUT), pidfd.address(), p.path().address(), p.fileActions().address(),
                p.attr().address(), p.argv().address(), p.envp().address());
        return rc == 0 ? pidfd.get(JAVA_INT, 0) : -rc;
    }

    /** pidfd_getpid(3); the pid or the negative errno. */
    public static long pidfdGetpid(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(PIDFD_GETPID, state, pidfd);
            return r >= 0 ? r : -errno(state);
        }
    }

    /** pidfd_open(2); the fd or the negative errno. */
    public static int pidfdOpen(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(PIDFD_OPEN, state, pid, 0);
            return r >= 0 ? r : -errno(state);
        }
    }

    /** pidfd_send_signal(2); 0 or the errno (ESRCH once the process has exited). */
    public static int pidfdSendSignal(int pidfd, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(PIDFD_SEND_SIGNAL, state, pidfd, signal, 0, 0);
            return r == 0 ? 0 : errno(state);
        }
    }

    /**
     * Reaps the exited child behind {@code pidfd} (waitid P_PIDFD, WEXITED). Its status as the
     * JDK reports one: the exit code, or 128 + the signal that killed it; negative errno on error.
     */
    public static int reap(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment info = arena.allocate(SIGINFO_SIZE, 8);
            int r;
            do {
                r = (int) Native.call(WAITID, state, P_PIDFD, pidfd, info.address(), WEXITED);
            } while (r < 0 && errno(state) == EINTR);
            if (r < 0) return -errno(state);
            int code = info.get(JAVA_INT, 8);
            int status = info.get(JAVA_INT, 24);
            return code == CLD_EXITED ? status : 128 + status;
        }
    }

    /** open(2); the fd or the negative errno. */
    public static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment name = arena.allocateFrom(path);
            int fd;
            do {
                fd = (int) OPEN.invokeExact(state, name, flags, mode);
            } while (fd < 0 && errno(state) == EINTR);
            return fd >= 0 ? fd : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        Native.call(CLOSE, SCRATCH_STATE.get(), fd);
    }

    /** mkfifo(3) with mode 0600; 0 or the errno. */
    public static int mkfifo(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(MKFIFO, state, arena.allocateFrom(path).address(), 0600);
            return r == 0 ? 0 : errno(state);
        }
    }

    public static void unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            Native.call(UNLINK, arena.allocate(CAPTURE_LAYOUT), arena.allocateFrom(path).address());
        }
    }

    public static int gettid() {
        return (int) Native.call(GETTID, SCRATCH_STATE.get());
    }

    /** Sets the soft RLIMIT_NOFILE of {@code pid} (0: this process), keeping its hard limit; 0 or the errno. */
    public static int setSoftNofile(long pid, long soft) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment old = arena.allocate(16, 8);
            int r = (int) Native.call(PRLIMIT, state, pid, RLIMIT_NOFILE, 0, old.address());
            if (r != 0) return errno(state);
            long hard = old.get(JAVA_LONG, 8);
            MemorySegment lim = arena.allocate(16, 8);
            lim.set(JAVA_LONG, 0, Math.min(soft, hard));
            lim.set(JAVA_LONG, 8, hard);
            r = (int) Native.call(PRLIMIT, state, pid, RLIMIT_NOFILE, lim.address(), 0);
            return r == 0 ? 0 : errno(state);
        }
    }

    /** epoll_create1(EPOLL_CLOEXEC); the fd (throws: without it nothing can be supervised). */
    public static int epollCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(EPOLL_CREATE1, state, O_CLOEXEC);
            if (r < 0) throw new IllegalStateException("epoll_create1 failed: errno " + errno(state));
            return r;
        }
    }

    /** Adds {@code fd} for EPOLLIN with {@code fd} itself as the event's data; 0 or the errno. */
    public static int epollAdd(int epfd, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment ev = arena.allocate(16, 4);
            ev.set(JAVA_INT, 0, EPOLLIN);
            // struct epoll_event is packed on x86-64 (data at offset 4), not on other architectures (offset 8).
            ev.set(JAVA_LONG.withByteAlignment(1), EPOLL_DATA_OFFSET, fd);
            int r = (int) Native.call(EPOLL_CTL, state, epfd, EPOLL_CTL_ADD, fd, ev.address());
            return r == 0 ? 0 : errno(state);
        }
    }

    /**
     * Removes {@code fd} from the epoll set; 0 or the errno. Closing an fd removes it only when no
     * other descriptor refers to the same open file, and a child being spawned holds copies of
     * all of ours until its exec: see {@link Child.Watcher}.
     */
    public static int epollDel(int epfd, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) Native.call(EPOLL_CTL, state, epfd, EPOLL_CTL_DEL, fd, 0);
            return r == 0 ? 0 : errno(state);
        }
    }

    private static final boolean X86_64 = System.getProperty("os.arch").equals("amd64");
    private static final long EPOLL_EVENT_SIZE = X86_64 ? 12 : 16;
    private static final long EPOLL_DATA_OFFSET = X86_64 ? 4 : 8;

    public static MemorySegment epollEvents(Arena arena, int max) {
        return arena.allocate(EPOLL_EVENT_SIZE * max, 8);
    }

    /** epoll_wait with no timeout; the number of events (EINTR retried). */
    public static int epollWait(int epfd, MemorySegment events, int max, MemorySegment state) {
        int r;
        do {
            r = (int) Native.call(EPOLL_WAIT, state, epfd, events.address(), max, -1);
        } while (r < 0 && errno(state) == EINTR);
        if (r < 0) throw new IllegalStateException("epoll_wait failed: errno " + errno(state));
        return r;
    }

    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int epollEventFd(MemorySegment events, int i) {
        return (int) events.get(JAVA_LONG.withByteAlignment(1), i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }
}
