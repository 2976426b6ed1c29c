package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Batches of datagrams over the real loopback. */
class MmsgSocketTest {
    @Test
    void aBatchSentIsABatchReceived() {
        try (MmsgSocket receiver = MmsgSocket.open(1 << 20); MmsgSocket sender = MmsgSocket.open(1 << 20)) {
            receiver.receiveTimeout(30_000); // the datagrams are queued before it waits
            receiver.prepare(16, 2048);
            sender.connect(receiver.port());
            sender.prepare(16, 100);
            assertThat(sender.sendBatch()).isEqualTo(16);
            assertThat(sender.sendBatch(5)).isEqualTo(5);
            int received = 0;
            while (received < 21) {
                int n = receiver.receiveBatch();
                assertThat(n).as("recvmmsg").isPositive();
                received += n;
            }
            assertThat(received).isEqualTo(21);
        }
    }

    @Test
    void anEmptyQueueEndsInEagainAfterTheTimeout() {
        try (MmsgSocket receiver = MmsgSocket.open(1 << 16)) {
            receiver.receiveTimeout(20);
            receiver.prepare(4, 64);
            assertThat(receiver.receiveBatch()).isEqualTo(-Errno.EAGAIN.number());
        }
    }

    @Test
    void aRefusedCallSaysItsErrno() {
        try (MmsgSocket sender = MmsgSocket.open(1 << 16)) {
            sender.prepare(1, 10);
            // Not connected: sendmmsg has no address to send to.
            assertThat(sender.sendBatch()).isEqualTo(-Errno.EDESTADDRREQ.number());
            // tv_usec -1000: out of range, which the kernel refuses rather than round.
            assertThatThrownBy(() -> sender.receiveTimeout(-1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("EDOM");
        }
    }
}
