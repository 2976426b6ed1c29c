package dev.tollgate.cgroup;

import dev.tollgate.libc.Errno;
import dev.tollgate.libc.Libc;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The standard signals by number, with Linux's generic numbering (x86, arm, arm64, riscv, ppc,
 * s390; not alpha, mips, sparc, parisc), so callers of {@link Cgroup#signal} can name them.
 */
public final class Signals {
    private Signals() {}

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGABRT = 6;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGALRM = 14;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGWINCH = 28;

    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("HUP", SIGHUP), Map.entry("INT", SIGINT), Map.entry("QUIT", SIGQUIT),
            Map.entry("ABRT", SIGABRT), Map.entry("KILL", SIGKILL), Map.entry("USR1", SIGUSR1),
            Map.entry("USR2", SIGUSR2), Map.entry("PIPE", SIGPIPE), Map.entry("ALRM", SIGALRM),
            Map.entry("TERM", SIGTERM), Map.entry("CHLD", SIGCHLD), Map.entry("CONT", SIGCONT),
            Map.entry("STOP", SIGSTOP), Map.entry("TSTP", SIGTSTP), Map.entry("WINCH", SIGWINCH));

    /** {@code "SIGTERM"} or {@code "TERM"} (any case) → 15; empty for names not listed here. */
    public static Optional<Integer> byName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        return Optional.ofNullable(BY_NAME.get(n));
    }

    /** 15 → {@code "SIGTERM"}; {@code "signal 34"} for one not listed here. */
    public static String name(int signal) {
        for (Map.Entry<String, Integer> e : BY_NAME.entrySet()) {
            if (e.getValue() == signal) return "SIG" + e.getKey();
        }
        return "signal " + signal;
    }

    /**
     * Sends {@code signal} to one process (kill(2)); false if it no longer exists (ESRCH).
     * Other failures are thrown with the errno.
     */
    public static boolean send(long pid, int signal) throws CgroupException {
        if (pid <= 0) throw new IllegalArgumentException("not a process id: " + pid);
        int errno = Libc.kill(pid, signal);
        if (errno == 0) return true;
        if (errno == Errno.ESRCH.number()) return false;
        throw CgroupException.errno("kill " + name(signal), java.nio.file.Path.of("/proc/" + pid), errno, "");
    }
}
