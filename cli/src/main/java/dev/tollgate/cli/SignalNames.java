package dev.tollgate.cli;

/** Signal names as systemd prints them (signal_to_string): TERM, KILL, ... on Linux x86 and arm. */
final class SignalNames {
    private static final String[] NAMES = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
            "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
            "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};

    private SignalNames() {}

    static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return NAMES[signal];
        }
        if (signal >= 34 && signal <= 64) {
            return "RTMIN+" + (signal - 34);
        }
        return Integer.toString(signal);
    }
}
