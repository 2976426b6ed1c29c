package dev.tollgate.cli;

/**
 * How a main process ended, in systemctl's words: {@code code=exited, status=203/EXEC},
 * {@code code=killed, status=9/KILL} (systemd's exit_status_to_string() for the LSB and
 * systemd-specific exit statuses, signal names without SIG).
 */
final class ExitStatus {
    private ExitStatus() {}

    /** The words inside systemctl's parentheses for a process that ended, e.g. {@code code=exited, status=203/EXEC}. */
    static String describe(String code, int status) {
        String name = "exited".equals(code) ? name(status) : SignalNames.name(status);
        return "code=" + code + ", status=" + status + (name == null || name.equals(Integer.toString(status)) ? "" : "/" + name);
    }

    /** The name systemd gives an exit status (src/basic/exit-status.c), or null. */
    static String name(int status) {
        return switch (status) {
            case 0 -> "SUCCESS";
            case 1 -> "FAILURE";
            case 2 -> "INVALIDARGUMENT";
            case 3 -> "NOTIMPLEMENTED";
            case 4 -> "NOPERMISSION";
            case 5 -> "NOTINSTALLED";
            case 6 -> "NOTCONFIGURED";
            case 7 -> "NOTRUNNING";
            case 200 -> "CHDIR";
            case 201 -> "NICE";
            case 202 -> "FDS";
            case 203 -> "EXEC";
            case 204 -> "MEMORY";
            case 205 -> "LIMITS";
            case 206 -> "OOM_ADJUST";
            case 207 -> "SIGNAL_MASK";
            case 208 -> "STDIN";
            case 209 -> "STDOUT";
            case 210 -> "CHROOT";
            case 211 -> "IOPRIO";
            case 212 -> "TIMERSLACK";
            case 213 -> "SECUREBITS";
            case 214 -> "SETSCHEDULER";
            case 215 -> "CPUAFFINITY";
            case 216 -> "GROUP";
            case 217 -> "USER";
            case 218 -> "CAPABILITIES";
            case 219 -> "CGROUP";
            case 220 -> "SETSID";
            case 221 -> "CONFIRM";
            case 222 -> "STDERR";
            case 224 -> "PAM";
            case 225 -> "NETWORK";
            case 226 -> "NAMESPACE";
            case 227 -> "NO_NEW_PRIVILEGES";
            case 228 -> "SECCOMP";
            case 229 -> "SELINUX_CONTEXT";
            case 230 -> "PERSONALITY";
            case 231 -> "APPARMOR";
            case 232 -> "ADDRESS_FAMILIES";
            case 233 -> "RUNTIME_DIRECTORY";
            case 235 -> "CHOWN";
            case 236 -> "SMACK_PROCESS_LABEL";
            case 237 -> "KEYRING";
            case 238 -> "STATE_DIRECTORY";
            case 239 -> "CACHE_DIRECTORY";
            case 240 -> "LOGS_DIRECTORY";
            case 241 -> "CONFIGURATION_DIRECTORY";
            case 242 -> "NUMA_POLICY";
            case 243 -> "CREDENTIALS";
            case 245 -> "BPF";
            default -> null;
        };
    }
}
