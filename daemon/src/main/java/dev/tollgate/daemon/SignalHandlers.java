package dev.tollgate.daemon;

/**
 * SIGHUP reloads, SIGTERM and SIGINT stop. The JVM would treat SIGHUP as a reason to exit, so
 * the handlers are installed through jdk.unsupported's sun.misc.Signal, the supported way to
 * replace them.
 */
final class SignalHandlers {
    private SignalHandlers() {}

    static void install(Daemon daemon) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> Thread.ofVirtual().start(() -> {
            if (daemon.manager() == null) return;
            Log.info("SIGHUP: reloading unit files");
            daemon.reload();
        }));
        sun.misc.SignalHandler stop = s -> daemon.requestStop();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
    }
}
