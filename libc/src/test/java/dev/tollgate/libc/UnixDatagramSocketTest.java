package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Datagrams through the real kernel: at a path, at an abstract name, and the errno of each refusal. */
class UnixDatagramSocketTest {
    /** Long enough never to expire in a test that expects a datagram (it is already queued). */
    private static final Duration PATIENT = Duration.ofSeconds(30);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDatagramSentToAPathArrivesWhole(@TempDir Path dir) throws IOException {
        String path = dir.resolve("notify").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(path, PATIENT);
                UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            assertThat(Files.exists(Path.of(path))).isTrue();
            assertThat(sender.send(path, bytes("READY=1\nSTATUS=up"))).isZero();
            assertThat(sender.send(path, new byte[0])).isZero();
            assertThat(receiver.receive(4096)).map(String::new).contains("READY=1\nSTATUS=up");
            // An empty datagram is a datagram, not a timeout.
            assertThat(receiver.receive(4096)).hasValueSatisfying(b -> assertThat(b).isEmpty());
        }
    }

    @Test
    void anAbstractNameHasNoFileAndIsExclusive(@TempDir Path dir) throws IOException {
        String name = "@tollgate-libc-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(name, PATIENT);
                UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            assertThat(sender.send(name, bytes("WATCHDOG=1"))).isZero();
            assertThat(receiver.receive(4096)).map(String::new).contains("WATCHDOG=1");
            assertThatThrownBy(() -> UnixDatagramSocket.bind(name, PATIENT).close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("EADDRINUSE");
        }
        // Gone with its socket: nothing receives there any more.
        try (UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            assertThat(sender.send(name, bytes("x"))).isEqualTo(Errno.ECONNREFUSED.number());
        }
    }

    @Test
    void aLongerDatagramIsCutAtTheCapacity(@TempDir Path dir) throws IOException {
        String path = dir.resolve("s").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(path, PATIENT);
                UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            assertThat(sender.send(path, bytes("0123456789"))).isZero();
            assertThat(sender.send(path, bytes("next"))).isZero();
            assertThat(receiver.receive(4)).map(String::new).contains("0123");
            assertThat(receiver.receive(4)).map(String::new).contains("next");
        }
    }

    @Test
    void theReceiveTimeoutEndsAWaitWithNothing(@TempDir Path dir) throws IOException {
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(dir.resolve("s").toString(), Duration.ofMillis(20))) {
            assertThat(receiver.receive(16)).isEqualTo(Optional.empty());
        }
    }

    @Test
    void eachRefusalSaysItsErrno(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> UnixDatagramSocket.bind(dir.resolve("no/such/dir/s").toString(), PATIENT))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("bind: ENOENT");
        Path taken = Files.writeString(dir.resolve("file"), "");
        assertThatThrownBy(() -> UnixDatagramSocket.bind(taken.toString(), PATIENT))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("EADDRINUSE");
        try (UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            assertThat(sender.send(dir.resolve("missing").toString(), bytes("x"))).isEqualTo(Errno.ENOENT.number());
            // A file that is no socket: nothing listens there.
            assertThat(sender.send(taken.toString(), bytes("x"))).isEqualTo(Errno.ECONNREFUSED.number());
        }
    }

    @Test
    void anAddressMustFitSunPath() throws IOException {
        try (UnixDatagramSocket sender = UnixDatagramSocket.unbound()) {
            // 107 bytes and the NUL fill sun_path; an abstract name may use all 108 (its '@' is the leading NUL).
            assertThat(sender.send("/" + "x".repeat(106), bytes("x"))).isEqualTo(Errno.ENOENT.number());
            assertThat(sender.send("@" + "x".repeat(107), bytes("x"))).isEqualTo(Errno.ECONNREFUSED.number());
            assertThatThrownBy(() -> sender.send("/" + "x".repeat(107), bytes("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 108");
            assertThatThrownBy(() -> sender.send("@" + "x".repeat(108), bytes("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 108");
            assertThatThrownBy(() -> sender.send("", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sender.send("@", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
