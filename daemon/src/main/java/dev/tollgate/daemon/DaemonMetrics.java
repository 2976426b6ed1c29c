package dev.tollgate.daemon;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.UnitChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The daemon's metrics in Prometheus text: per-unit and per-slice traffic read from the maps
 * at scrape time, unit states, and the daemon's own timings and errors. Served through the
 * API and, when configured, over HTTP on a loopback address. A unit has traffic series only
 * with IPAccounting=yes and dropped series only with an IP firewall, as show and status have
 * data to show only then (without IPAccounting=yes its program still counts, for its slices).
 */
public final class DaemonMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Manager manager;
    private volatile Map<String, CounterSums> snapshot = Map.of();
    private final Map<String, Registered> trafficMeters = new HashMap<>();
    private final Map<ActiveState, Integer> states = new EnumMap<>(ActiveState.class);
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private HttpServer http;
    private volatile DropEventMeters dropEventMeters;

    private record Field(String name, String description, ToDoubleFunction<CounterSums> read) {
        boolean dropped() {
            return name.contains("dropped");
        }
    }

    /** A unit's series, registered for what its settings let it show. */
    private record Registered(Manager.CounterView view, List<Meter> meters) {}

    private static final List<Field> FIELDS = List.of(
            new Field("ip.ingress.bytes", "Bytes received (IP packet, as skb->len)", c -> c.ingressBytes()),
            new Field("ip.ingress.packets", "Packets received", c -> c.ingressPackets()),
            new Field("ip.egress.bytes", "Bytes sent (IP packet, as skb->len)", c -> c.egressBytes()),
            new Field("ip.egress.packets", "Packets sent", c -> c.egressPackets()),
            new Field("ip.ingress.dropped.bytes", "Bytes the unit's firewall dropped on receive", c -> c.ingressDroppedBytes()),
            new Field("ip.ingress.dropped.packets", "Packets the unit's firewall dropped on receive", c -> c.ingressDroppedPackets()),
            new Field("ip.egress.dropped.bytes", "Bytes the unit's firewall dropped on send", c -> c.egressDroppedBytes()),
            new Field("ip.egress.dropped.packets", "Packets the unit's firewall dropped on send", c -> c.egressDroppedPackets()));

    public DaemonMetrics(Manager manager) {
        this.manager = manager;
        for (ActiveState s : ActiveState.values()) {
            states.put(s, 0);
            Gauge.builder("tollgate.units", states, m -> m.get(s)).description("Units by active state")
                    .tag("state", s.wireName()).register(registry);
        }
    }

    private static final Map<String, String> TIMER_HELP = Map.of(
            "request", "Time to answer one Varlink call, by method and error",
            "reload", "Time to re-read unit files and apply the differences",
            "startup", "Time from start to every enabled unit started",
            "scrape", "Time to read every counter for a metrics scrape");

    /**
     * Whether units get IP accounting and firewalls (cgroup BPF usable and our datapath set up),
     * and in which attach mode ({@code none} without one): a fleet alerts on hosts where a
     * firewall cannot be enforced. Known at start-up and fixed for the daemon's life.
     */
    public void datapath(boolean available, String mode) {
        Gauge.builder("tollgate.datapath.available", () -> available ? 1 : 0)
                .description("1 when units get IP accounting and firewalls (cgroup BPF), 0 when not; mode is the attach mode")
                .tag("mode", mode).register(registry);
    }

    /** Per-unit drop event counters (tollgate_drop_events_total, ..._suppressed_total), read at scrape time. */
    public void dropEvents(java.util.function.Supplier<Map<String, dev.tollgate.accounting.DropEventCounters>> counts) {
        dropEventMeters = new DropEventMeters(registry, counts);
    }

    public Timer timer(String name, String... tags) {
        return Timer.builder("tollgate." + name).description(TIMER_HELP.getOrDefault(name, name)).tags(tags).register(registry);
    }

    public void error(String kind) {
        errors.computeIfAbsent(kind, k -> Counter.builder("tollgate.errors").description("Errors by kind")
                .tag("kind", k).register(registry)).increment();
    }

    /** Prometheus text exposition of everything, counters read from the kernel now. */
    public synchronized String scrape() {
        long t0 = System.nanoTime();
        Map<String, CounterSums> now = manager.counters(List.of());
        snapshot = now;
        for (String unit : now.keySet()) {
            Manager.CounterView view = manager.counterView(unit);
            Registered r = trafficMeters.get(unit);
            if (r != null && r.view().equals(view)) continue;
            // New, or a reload changed IPAccounting= or the firewall: its series follow.
            if (r != null) r.meters().forEach(registry::remove);
            trafficMeters.put(unit, new Registered(view, register(unit, view)));
        }
        for (String gone : Set.copyOf(trafficMeters.keySet())) {
            if (!now.containsKey(gone)) trafficMeters.remove(gone).meters().forEach(registry::remove);
        }
        if (dropEventMeters != null) dropEventMeters.refresh();
        states.replaceAll((s, n) -> 0);
        for (UnitChange u : manager.states()) states.merge(u.activeState(), 1, Integer::sum);
        timer("scrape").record(Duration.ofNanos(System.nanoTime() - t0));
        return registry.scrape();
    }

    private List<Meter> register(String unit, Manager.CounterView view) {
        boolean slice = unit.endsWith(".slice");
        Tags tags = Tags.of(slice ? "slice" : "unit", unit);
        return FIELDS.stream().filter(f -> f.dropped() ? view.dropped() && !slice : view.traffic()).map(f -> (Meter) FunctionCounter
                .builder("tollgate." + (slice ? "slice." : "unit.") + f.name(), this,
                        m -> f.read().applyAsDouble(m.snapshot.getOrDefault(unit, CounterSums.ZERO)))
                .description(f.description()).tags(tags).register(registry)).toList();
    }

    /** Serves {@code GET /metrics} on {@code host:port} (loopback unless an address is given). */
    public void serveHttp(String listen) throws IOException {
        int colon = listen.lastIndexOf(':');
        String host = colon > 0 ? listen.substring(0, colon) : "127.0.0.1";
        int port = Integer.parseInt(listen.substring(colon + 1));
        http = HttpServer.create(new InetSocketAddress(host.replace("[", "").replace("]", ""), port), 16);
        http.createContext("/metrics", ex -> {
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        http.start();
        Log.info("metrics on http://%s:%d/metrics", host, http.getAddress().getPort());
    }

    @Override
    public void close() {
        if (http != null) http.stop(0);
        registry.close();
    }
}
