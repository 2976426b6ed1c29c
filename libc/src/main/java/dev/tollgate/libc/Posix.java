package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The libc calls of process spawning and supervision (x86-64 / aarch64 Linux, glibc): the
 * posix_spawn family, pidfds, waitid, epoll, prlimit, mkfifo. Calls that can fail return
 * the errno (or a negative errno where they also return a value); none throws for a kernel
 * error. {@link #HAS_CLONE_INTO_CGROUP} is the probe that chooses how services are spawned.
 */
public final class Posix {
    private Posix() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

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
    public static final boolean HAS_CLONE_INTO_CGROUP = find("pidfd_spawn").isPresent()
            && find("posix_spawnattr_setcgroup_np").isPresent() && find("pidfd_getpid").isPresent();

    private static final MethodHandle ATTR_INIT = downcall("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = downcall("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_SETFLAGS = downcall("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, ValueLayoutShort.SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = downcall("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SETSIGDEFAULT = downcall("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SETCGROUP = HAS_CLONE_INTO_CGROUP
            ? downcall("posix_spawnattr_setcgroup_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)) : null;
    private static final MethodHandle SIGEMPTYSET = downcall("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = downcall("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_INIT = downcall("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = downcall("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_ADDOPEN = downcall("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDDUP2 = downcall("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDCHDIR = downcall("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FA_ADDCLOSEFROM = downcall("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POSIX_SPAWN = downcall("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle PIDFD_SPAWN = HAS_CLONE_INTO_CGROUP ? downcall("pidfd_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS)) : null;
    private static final MethodHandle PIDFD_GETPID = HAS_CLONE_INTO_CGROUP
            ? downcall("pidfd_getpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO) : null;
    private static final MethodHandle PIDFD_OPEN = downcall("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle PIDFD_SEND_SIGNAL = downcall("pidfd_send_signal",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle WAITID = downcall("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MKFIFO = downcall("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle UNLINK = downcall("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle GETTID = downcall("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle PRLIMIT = downcall("prlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), CAPTURE_ERRNO);
    private static final MethodHandle EPOLL_CREATE1 = downcall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle EPOLL_CTL = downcall("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), CAPTURE_ERRNO);
    private static final MethodHandle EPOLL_WAIT = downcall("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    /** The short layout lives here so the imports above stay on the int/long/address layouts. */
    private static final class ValueLayoutShort {
        static final java.lang.foreign.ValueLayout.OfShort SHORT = java.lang.foreign.ValueLayout.JAVA_SHORT;
    }

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    private static Optional<MemorySegment> find(String name) {
        return LINKER.defaultLookup().find(name);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
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
        try {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            short flags = (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
            if (cgroupFd >= 0) {
                flags |= POSIX_SPAWN_SETCGROUP;
                check("posix_spawnattr_setcgroup_np", (int) ATTR_SETCGROUP.invokeExact(attr, cgroupFd));
            }
            check("posix_spawnattr_setflags", (int) ATTR_SETFLAGS.invokeExact(attr, flags));
            MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
            int unused = (int) SIGFILLSET.invokeExact(all);
            check("posix_spawnattr_setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, all));
            MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
            unused = (int) SIGEMPTYSET.invokeExact(none);
            check("posix_spawnattr_setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, none));
            MemorySegment fa = arena.allocate(FILE_ACTIONS_SIZE, 16);
            check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(fa));
            for (FileAction a : actions) {
                switch (a) {
                    case FileAction.Open o -> check("posix_spawn_file_actions_addopen",
                            (int) FA_ADDOPEN.invokeExact(fa, o.fd(), arena.allocateFrom(o.path()), o.flags(), o.mode()));
                    case FileAction.Dup d -> check("posix_spawn_file_actions_adddup2", (int) FA_ADDDUP2.invokeExact(fa, d.from(), d.to()));
                    case FileAction.Chdir c -> check("posix_spawn_file_actions_addchdir_np",
                            (int) FA_ADDCHDIR.invokeExact(fa, arena.allocateFrom(c.path())));
                    case FileAction.CloseFrom c -> check("posix_spawn_file_actions_addclosefrom_np",
                            (int) FA_ADDCLOSEFROM.invokeExact(fa, c.fd()));
                }
            }
            return new Prepared(arena.allocateFrom(path), fa, attr, strings(arena, argv),
                    strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Frees what glibc allocated inside the attr and file actions (the arena frees the rest). */
    public static void release(Prepared p) {
        try {
            int a = (int) FA_DESTROY.invokeExact(p.fileActions());
            int b = (int) ATTR_DESTROY.invokeExact(p.attr());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(String what, int rc) {
        if (rc != 0) throw new IllegalStateException(what + " failed: errno " + rc);
    }

    private static MemorySegment strings(Arena arena, List<String> list) {
        MemorySegment array = arena.allocate(ADDRESS, list.size() + 1L);
        for (int i = 0; i < list.size(); i++) array.setAtIndex(ADDRESS, i, arena.allocateFrom(list.get(i)));
        array.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
        return array;
    }

    /** posix_spawn(3); the pid, or the negative errno. Blocks until the child has exec'd or failed. */
    public static long posixSpawn(Arena arena, Prepared p) {
        try {
            MemorySegment pid = arena.allocate(JAVA_INT);
            int rc = (int) POSIX_SPAWN.invokeExact(pid, p.path(), p.fileActions(), p.attr(), p.argv(), p.envp());
            return rc == 0 ? pid.get(JAVA_INT, 0) : -rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_spawn(3) (glibc ≥ 2.39); the pidfd, or the negative errno. */
    public static int pidfdSpawn(Arena arena, Prepared p) {
        try {
            MemorySegment pidfd = arena.allocate(JAVA_INT);
            int rc = (int) PIDFD_SPAWN.invokeExact(pidfd, p.path(), p.fileActions(), p.attr(), p.argv(), p.envp());
            return rc == 0 ? pidfd.get(JAVA_INT, 0) : -rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_getpid(3); the pid or the negative errno. */
    public static long pidfdGetpid(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) PIDFD_GETPID.invokeExact(state, pidfd);
            return r >= 0 ? r : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_open(2); the fd or the negative errno. */
    public static int pidfdOpen(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) PIDFD_OPEN.invokeExact(state, (int) pid, 0);
            return r >= 0 ? r : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_send_signal(2); 0 or the errno (ESRCH once the process has exited). */
    public static int pidfdSendSignal(int pidfd, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) PIDFD_SEND_SIGNAL.invokeExact(state, pidfd, signal, MemorySegment.NULL, 0);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
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
                r = (int) WAITID.invokeExact(state, P_PIDFD, pidfd, info, WEXITED);
            } while (r < 0 && errno(state) == EINTR);
            if (r < 0) return -errno(state);
            int code = info.get(JAVA_INT, 8);
            int status = info.get(JAVA_INT, 24);
            return code == CLD_EXITED ? status : 128 + status;
        } catch (Throwable t) {
            throw rethrow(t);
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
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mkfifo(3) with mode 0600; 0 or the errno. */
    public static int mkfifo(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) MKFIFO.invokeExact(state, arena.allocateFrom(path), 0600);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) UNLINK.invokeExact(arena.allocateFrom(path));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets the soft RLIMIT_NOFILE of {@code pid} (0: this process), keeping its hard limit; 0 or the errno. */
    public static int setSoftNofile(long pid, long soft) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment old = arena.allocate(16, 8);
            int r = (int) PRLIMIT.invokeExact(state, (int) pid, RLIMIT_NOFILE, MemorySegment.NULL, old);
            if (r != 0) return errno(state);
            long hard = old.get(JAVA_LONG, 8);
            MemorySegment lim = arena.allocate(16, 8);
            lim.set(JAVA_LONG, 0, Math.min(soft, hard));
            lim.set(JAVA_LONG, 8, hard);
            r = (int) PRLIMIT.invokeExact(state, (int) pid, RLIMIT_NOFILE, lim, MemorySegment.NULL);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** epoll_create1(EPOLL_CLOEXEC); the fd (throws: without it nothing can be supervised). */
    public static int epollCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) EPOLL_CREATE1.invokeExact(state, O_CLOEXEC);
            if (r < 0) throw new IllegalStateException("epoll_create1 failed: errno " + errno(state));
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
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
            int r = (int) EPOLL_CTL.invokeExact(state, epfd, EPOLL_CTL_ADD, fd, ev);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
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
            int r = (int) EPOLL_CTL.invokeExact(state, epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
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
        try {
            int r;
            do {
                r = (int) EPOLL_WAIT.invokeExact(state, epfd, events, max, -1);
            } while (r < 0 && errno(state) == EINTR);
            if (r < 0) throw new IllegalStateException("epoll_wait failed: errno " + errno(state));
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int epollEventFd(MemorySegment events, int i) {
        return (int) events.get(JAVA_LONG.withByteAlignment(1), i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }
}
