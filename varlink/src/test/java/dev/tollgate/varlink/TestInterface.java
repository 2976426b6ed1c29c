package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.varlink.idl.InterfaceDescription;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** The handler of org.example.test, recording what it saw. */
final class TestInterface implements MethodHandler {
    static final InterfaceDescription DESCRIPTION = InterfaceDescription.fromResource(TestInterface.class, "org.example.test.varlink");
    static final String NAME = "org.example.test";

    final BlockingQueue<String> notes = new LinkedBlockingQueue<>();
    final AtomicInteger watchersCancelled = new AtomicInteger();
    final AtomicInteger watchersRunning = new AtomicInteger();
    volatile CountDownLatch watchStarted = new CountDownLatch(1);
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public Object handle(CallContext ctx, String method, ObjectNode p) {
        return switch (method) {
            case "Echo" -> Map.of("text", p.get("text").textValue());
            case "Add" -> Map.of("sum", p.get("a").longValue() + p.get("b").longValue());
            case "Count" -> {
                int n = p.get("n").intValue();
                int failAt = p.hasNonNull("failAt") ? p.get("failAt").intValue() : -1;
                for (int i = 1; i < n; i++) {
                    if (i == failAt) {
                        throw VarlinkError.of(NAME + ".TestFailure", "message", "failed at " + i).toException();
                    }
                    if (ctx.more()) {
                        ctx.sink().send(Map.of("i", i));
                    }
                }
                yield Map.of("i", n);
            }
            case "Watch" -> {
                long interval = p.hasNonNull("intervalMs") ? p.get("intervalMs").longValue() : 20;
                watchersRunning.incrementAndGet();
                watchStarted.countDown();
                try {
                    int tick = 0;
                    while (!ctx.sink().awaitCancellation(Duration.ofMillis(interval))) {
                        if (!ctx.sink().send(Map.of("tick", ++tick))) {
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    if (ctx.sink().isCancelled()) {
                        watchersCancelled.incrementAndGet();
                    }
                    watchersRunning.decrementAndGet();
                }
                yield null;
            }
            case "Flood" -> {
                Map<String, String> reply = Map.of("data", "x".repeat(p.get("size").intValue()));
                while (ctx.sink().send(reply)) {
                    // until the peer is gone or stalls
                }
                yield null;
            }
            case "Fail" -> throw VarlinkError.of(NAME + ".TestFailure", "message", p.get("message").textValue()).toException();
            case "Crash" -> throw new IllegalStateException("boom");
            case "BadReply" -> Map.of("text", 42);
            case "Big" -> Map.of("data", "x".repeat(p.get("size").intValue()));
            case "Sleep" -> {
                try {
                    Thread.sleep(p.get("ms").longValue());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                yield null;
            }
            case "Hold" -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                yield null;
            }
            case "Peer" -> Map.of("pid", ctx.peer().pid(), "uid", ctx.peer().uid(), "gid", ctx.peer().gid(),
                    "source", ctx.peer().source().name());
            case "Note" -> {
                notes.add(p.get("text").textValue());
                yield null;
            }
            case "Items" -> Map.of("count", p.get("items").size());
            default -> throw OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
        };
    }
}
