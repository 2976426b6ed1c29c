package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The loop's guarantees: order, one writer, answers after publication, a failing event not stopping it. */
class ManagerLoopTest {
    @Test
    void eventsRunInOrderAndAnswersComeAfterThePublication() {
        ManagerLoop loop = ManagerLoop.manual();
        List<String> seen = new ArrayList<>();
        loop.onPublish(() -> seen.add("publish"));
        CompletableFuture<String> answer = loop.call(() -> {
            seen.add("first");
            return "done";
        });
        answer.thenAccept(seen::add);
        loop.post(() -> seen.add("second"));
        loop.post(() -> {
            throw new IllegalStateException("an event that fails");
        });
        loop.post(() -> seen.add("third"));
        assertThat(loop.runPending()).isEqualTo(4);
        assertThat(seen).containsSubsequence("first", "publish", "done", "second", "third");
        assertThat(answer).isCompletedWithValue("done");
    }

    @Test
    void aFailingCallFailsItsFutureAndComposeWaitsForTheJob() {
        ManagerLoop loop = ManagerLoop.manual();
        CompletableFuture<Object> failed = loop.call(() -> {
            throw new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, "x.service", "Unit x.service not loaded.");
        });
        CompletableFuture<String> job = new CompletableFuture<>();
        CompletableFuture<String> composed = loop.compose(() -> job);
        loop.runPending();
        assertThatThrownBy(() -> ManagerLoop.await(failed)).isInstanceOf(ManagerException.class);
        assertThat(composed).isNotDone();
        loop.post(() -> loop.completeLater(job, "ok"));
        loop.runPending();
        assertThat(ManagerLoop.await(composed)).isEqualTo("ok");
        CompletableFuture<String> bad = new CompletableFuture<>();
        loop.post(() -> loop.failLater(bad, new IllegalArgumentException("no")));
        loop.runPending();
        assertThatThrownBy(() -> ManagerLoop.await(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unitStateIsWrittenOnlyOnTheLoop() {
        ManagerLoop loop = ManagerLoop.manual();
        Units units = new Units(loop, new Fakes.Clock(), Runnable::run);
        assertThat(loop.inLoop()).isFalse();
        assertThatThrownBy(() -> units.getOrCreate(dev.tollgate.units.UnitName.of("a.service")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("off the manager loop");
        loop.post(() -> units.getOrCreate(dev.tollgate.units.UnitName.of("a.service")));
        loop.runPending();
        assertThat(units.snapshot()).containsKey(dev.tollgate.units.UnitName.of("a.service"));
    }

    @Test
    void theThreadedLoopRunsEventsOnItsOwnThreadAndDropsThemOnceClosed() throws Exception {
        ManagerLoop loop = ManagerLoop.threaded();
        String[] name = new String[1];
        assertThat(ManagerLoop.await(loop.call(() -> {
            name[0] = Thread.currentThread().getName();
            return loop.inLoop();
        }))).isTrue();
        assertThat(name[0]).isEqualTo("manager-loop");
        CountDownLatch ran = new CountDownLatch(2);
        loop.post(ran::countDown);
        loop.post(ran::countDown);
        ran.await();
        loop.close();
        boolean[] late = {false};
        loop.post(() -> late[0] = true);
        assertThat(late[0]).isFalse();
    }
}
