package dev.tollgate.daemon;

import dev.tollgate.api.DropEvent;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.Messages.DropsRequest;
import dev.tollgate.api.Messages.GetDropsReply;
import dev.tollgate.api.Messages.WatchDropsReply;
import dev.tollgate.api.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * GetDrops and WatchDrops: open to every local user, as GetCounters (a drop event tells no
 * more than the counters and the unit's address lists, which anyone may read). A stream's
 * queue is bounded: a client that does not keep up loses the oldest queued events and is told
 * how many, so no client can make the daemon hold more than that.
 */
final class DropsApi {
    static final int STREAM_QUEUE = 10_000;

    private DropsApi() {}

    private static DropEvents events(Daemon daemon) {
        return daemon.dropEvents()
                .orElseThrow(() -> new ManagerError.DropEventsUnavailable(daemon.dropEventsUnavailable()).toException());
    }

    private static Set<String> units(DropsRequest r) {
        return r.units() == null ? Set.of() : Set.copyOf(r.units());
    }

    static GetDropsReply get(Daemon daemon, DropsRequest r) {
        DropEvents d = events(daemon);
        Set<String> units = units(r);
        return new GetDropsReply(d.log().recent(units, r.since()), d.counts(units));
    }

    static WatchDropsReply watch(Daemon daemon, DropsRequest r, Replies<WatchDropsReply> replies) {
        DropEvents d = events(daemon);
        Set<String> units = units(r);
        LinkedBlockingQueue<DropEvent> queue = new LinkedBlockingQueue<>(STREAM_QUEUE);
        AtomicLong missed = new AtomicLong();
        Object wake = new Object();
        LinkedBlockingQueue<Object> wakeups = new LinkedBlockingQueue<>(1);
        Consumer<List<DropEvent>> listener = batch -> {
            for (DropEvent e : batch) {
                if (!DropLog.matches(e, units, null)) continue;
                while (!queue.offer(e)) {
                    if (queue.poll() != null) missed.incrementAndGet();
                }
            }
            wakeups.offer(wake);
        };
        // Listen before reading the log: an event added in between may come twice, never not at all.
        d.log().addListener(listener);
        replies.onCancel(() -> wakeups.offer(wake));
        try {
            List<DropEvent> first = d.log().recent(units, r.since() == null ? Long.MAX_VALUE : r.since());
            long lastSent = first.isEmpty() ? Long.MIN_VALUE : first.getLast().timestamp();
            if (!replies.send(new WatchDropsReply(first, null))) return null;
            while (!replies.isCancelled()) {
                wakeups.take();
                List<DropEvent> batch = new ArrayList<>();
                queue.drainTo(batch);
                long lastFirst = lastSent;
                batch.removeIf(e -> e.timestamp() <= lastFirst && first.contains(e));
                long lost = missed.getAndSet(0);
                if (batch.isEmpty() && lost == 0) continue;
                if (!batch.isEmpty()) lastSent = batch.getLast().timestamp();
                if (!replies.send(new WatchDropsReply(batch, lost == 0 ? null : lost))) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            d.log().removeListener(listener);
        }
        return null;
    }
}
