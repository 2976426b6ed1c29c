package dev.tollgate.units.exec;

import dev.tollgate.units.syntax.CNumbers;
import java.util.Optional;

/**
 * A signal for {@code KillSignal=}, read as systemd's {@code signal_from_string()} reads it:
 * a number 1–64, a name with or without {@code SIG} ({@code TERM}, {@code SIGHUP}; upper case
 * only), or {@code RTMIN}, {@code RTMIN+n}, {@code RTMAX}, {@code RTMAX-n}. Numbers are Linux's
 * (x86, arm and most others); glibc's real-time range is 34–64.
 */
public record Signal(int number) {

    /** glibc's {@code SIGRTMIN} (the kernel's 32 and 33 are reserved for the C library). */
    public static final int RTMIN = 34;
    public static final int RTMAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
        "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    };

    public static final Signal SIGHUP = new Signal(1);
    public static final Signal SIGINT = new Signal(2);
    public static final Signal SIGKILL = new Signal(9);
    public static final Signal SIGTERM = new Signal(15);
    public static final Signal SIGCONT = new Signal(18);

    public Signal {
        if (number < 1 || number > 64) {
            throw new IllegalArgumentException("no such signal: " + number);
        }
    }

    public static Optional<Signal> parse(String s) {
        var n = CNumbers.parseSigned(s, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (n.isPresent()) {
            long v = n.getAsLong();
            return v >= 1 && v <= 64 ? Optional.of(new Signal((int) v)) : Optional.empty();
        }
        String name = s.startsWith("SIG") ? s.substring(3) : s;
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return Optional.of(new Signal(i));
            }
        }
        if (name.startsWith("RTMIN")) {
            String p = name.substring(5);
            if (p.isEmpty()) {
                return Optional.of(new Signal(RTMIN));
            }
            if (p.charAt(0) != '+') {
                return Optional.empty();
            }
            var off = CNumbers.parseSigned(p, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (off.isEmpty() || off.getAsLong() < 0 || off.getAsLong() > RTMAX - RTMIN) {
                return Optional.empty();
            }
            return Optional.of(new Signal(RTMIN + (int) off.getAsLong()));
        }
        if (name.startsWith("RTMAX")) {
            String p = name.substring(5);
            if (p.isEmpty()) {
                return Optional.of(new Signal(RTMAX));
            }
            if (p.charAt(0) != '-') {
                return Optional.empty();
            }
            var off = CNumbers.parseSigned(p, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (off.isEmpty() || off.getAsLong() > 0 || off.getAsLong() < RTMIN - RTMAX) {
                return Optional.empty();
            }
            return Optional.of(new Signal(RTMAX + (int) off.getAsLong()));
        }
        return Optional.empty();
    }

    /** {@code SIGTERM}, {@code SIGRTMIN+3}; numbers 32 and 33 have no name. */
    public String name() {
        if (number < NAMES.length) {
            return "SIG" + NAMES[number];
        }
        if (number >= RTMIN) {
            return number == RTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (number - RTMIN);
        }
        return Integer.toString(number);
    }

    @Override
    public String toString() {
        return name();
    }
}
