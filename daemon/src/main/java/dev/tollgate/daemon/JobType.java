package dev.tollgate.daemon;

/** A job on a unit (systemd's JobType, the ones tollgated runs). */
enum JobType {
    START("start"),
    STOP("stop"),
    RESTART("restart"),
    /** A daemon-reload's new policy applied to a running unit's programs (systemd reloads a unit's BPF on reload too). */
    RELOAD("reload");

    private final String spelling;

    JobType(String spelling) {
        this.spelling = spelling;
    }

    String spelling() {
        return spelling;
    }
}
