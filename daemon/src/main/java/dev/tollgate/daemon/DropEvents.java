package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.Direction;
import dev.tollgate.accounting.DropEventCounters;
import dev.tollgate.accounting.DropEventRate;
import dev.tollgate.accounting.DropRecord;
import dev.tollgate.api.DropEvent;
import dev.tollgate.api.DropEventCount;
import dev.tollgate.bpf.RingBufferReader;
import dev.tollgate.units.net.IpDropEventRate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the units' drop events from the pinned ring buffer on a thread of its own and keeps
 * them in a {@link DropLog}. The consumer is bounded: at most {@link #BATCH} records per pass,
 * and the kernel's per-unit token buckets bound how many there can be, so a flood of denied
 * packets costs this thread little and the rest of the daemon nothing. Events written while
 * no daemon ran stay in the ring (its consumer position is the kernel's) and are read at the
 * next start; those the full ring refused were counted as suppressed by the programs.
 */
final class DropEvents implements AutoCloseable {
    static final int BATCH = 4096;
    private static final int POLL_MS = 250;

    private final Accounting accounting;
    private final RingBufferReader reader;
    private final DropLog log = new DropLog();
    private final Thread thread;
    private volatile boolean stopping;

    private DropEvents(Accounting accounting, RingBufferReader reader) {
        this.accounting = accounting;
        this.reader = reader;
        this.thread = Thread.ofPlatform().name("drop-events").daemon().unstarted(this::run);
    }

    /** Starts reading the accounting's ring; throws if there is none (the reason is then {@link Accounting#dropEventsUnavailable}). */
    static DropEvents start(Accounting accounting) {
        DropEvents d = new DropEvents(accounting, RingBufferReader.open(accounting.dropRing().orElseThrow(
                () -> new IllegalStateException(accounting.dropEventsUnavailable().orElse("no drop event ring")))));
        d.thread.start();
        return d;
    }

    /** A unit file's IPDropEventRate= as the accounting layer takes it. */
    static DropEventRate rate(IpDropEventRate r) {
        return r.enabled() ? new DropEventRate(r.perSecond(), r.burst()) : DropEventRate.OFF;
    }

    DropLog log() {
        return log;
    }

    /** Each running unit's reported and suppressed events (of these units, all when empty). */
    List<DropEventCount> counts(Set<String> units) {
        List<DropEventCount> out = new ArrayList<>();
        for (Map.Entry<String, DropEventCounters> e : accounting.allDropEventCounters().entrySet()) {
            if (units.isEmpty() || units.contains(e.getKey()))
                out.add(new DropEventCount(e.getKey(), e.getValue().emitted(), e.getValue().suppressed()));
        }
        out.sort(java.util.Comparator.comparing(DropEventCount::unit));
        return out;
    }

    Map<String, DropEventCounters> counters() {
        return accounting.allDropEventCounters();
    }

    private void run() {
        while (!stopping) {
            try {
                if (!reader.await(POLL_MS)) continue;
                // The kernel's CLOCK_MONOTONIC stamp to CLOCK_REALTIME, by the clocks' offset now
                // (System.nanoTime is CLOCK_MONOTONIC on Linux).
                Instant wall = Instant.now();
                long mono = System.nanoTime();
                long wallMicros = wall.getEpochSecond() * 1_000_000 + wall.getNano() / 1000;
                List<DropEvent> batch = new ArrayList<>();
                reader.drain(BATCH, s -> batch.add(toApi(DropRecord.decode(s), wallMicros, mono)));
                log.add(batch);
            } catch (RuntimeException e) {
                if (stopping) return;
                Log.error("reading drop events: %s", e.getMessage());
                try {
                    Thread.sleep(POLL_MS); // not a busy loop if the ring keeps failing
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private DropEvent toApi(DropRecord e, long wallMicros, long monoNow) {
        long at = wallMicros - (monoNow - e.monotonicNs()) / 1000;
        String unit = accounting.unitOfEvent(e.unitId()).orElse("unknown-unit-" + e.unitId());
        boolean ports = e.hasPorts() && e.transport() != 0;
        boolean icmp = e.isIcmp();
        return new DropEvent(at, unit, e.direction() == Direction.INGRESS ? "ingress" : "egress",
                e.family(), e.protocol(),
                text(e.remote()), text(e.local()),
                ports ? e.remotePort() : null, ports ? e.localPort() : null,
                icmp ? e.icmpType() : null, icmp ? e.icmpCode() : null,
                Integer.toUnsignedLong(e.length()), e.ifindex());
    }

    /** RFC 5952 text (::1, not 0:0:0:0:0:0:0:1), as the address lists print. */
    private static String text(java.net.InetAddress a) {
        if (a == null) return null;
        String p = dev.tollgate.units.net.IpPrefix.host(a.getAddress()).toString();
        return p.substring(0, p.lastIndexOf('/'));
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(2 * POLL_MS + 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) reader.close(); // else it is still inside a poll; the process is ending anyway
    }
}
