package dev.tollgate.daemon;

import java.util.List;

/**
 * Initializes, on a thread of its own, the classes the main thread needs later in start-up and
 * would otherwise initialize itself one after the other: Jackson (the state file's mapper and
 * the Varlink mapper, ~500 classes), Micrometer and Prometheus (the metrics registry). Until the
 * boot's units start, the daemon is one thread busy with argument parsing, FFM set-up, probing
 * and loading unit files, and the second CPU is mostly idle; a class the warm-up is initializing
 * when the main thread reaches it is waited for (class initialization is done once, under the
 * JVM's lock), never done twice. Nothing here has an effect but loaded and initialized classes:
 * a failure is ignored, the main thread then does the work itself.
 */
final class StartupWarmUp {
    private StartupWarmUp() {}

    /** Starts the warm-up thread; returns at once. */
    static void start() {
        // The class literals are resolved (the classes loaded) on the warm-up thread too: they
        // are in its body, not in a field the main thread would initialize.
        Thread.ofPlatform().daemon().name("warm-up").start(() -> {
            for (Class<?> c : List.<Class<?>>of(
                    StateFile.class,
                    dev.tollgate.varlink.VarlinkJson.class,
                    io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class,
                    io.micrometer.prometheusmetrics.PrometheusConfig.class,
                    io.micrometer.core.instrument.Timer.class,
                    io.micrometer.core.instrument.FunctionCounter.class)) {
                try {
                    // A class literal loads a class but does not initialize it; this does.
                    Class.forName(c.getName(), true, c.getClassLoader());
                } catch (ReflectiveOperationException | LinkageError | RuntimeException ignored) {
                    // the main thread initializes it when it needs it, and reports what fails then
                }
            }
        });
    }
}
