package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SO_PEERCRED on real Unix socket connections. */
class UcredTest {
    @Test
    void thePeerOfAConnectionIsThisProcess(@TempDir Path dir) throws Throwable {
        assertThat(Ucred.unsupported()).as("a Linux JVM on the generic ABI").isEmpty();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            try (SocketChannel client = SocketChannel.open(address); SocketChannel accepted = server.accept()) {
                Ucred peer = Ucred.ofPeer(fd(accepted));
                assertThat(peer.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(peer.uid()).isEqualTo(effectiveId("Uid"));
                assertThat(peer.gid()).isEqualTo(effectiveId("Gid"));
            }
        }
    }

    @Test
    void aRefusalSaysItsErrno(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> Ucred.ofPeer(-1)).isInstanceOf(IOException.class).hasMessageContaining("EBADF");
        int fd = Posix.open(Files.writeString(dir.resolve("f"), "").toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        assertThat(fd).isNotNegative();
        try {
            assertThatThrownBy(() -> Ucred.ofPeer(fd)).isInstanceOf(IOException.class).hasMessageContaining("ENOTSOCK");
        } finally {
            Posix.close(fd);
        }
    }

    /** The channel's fd, as varlink reads it (surefire exports sun.nio.ch to the class path). */
    private static int fd(SocketChannel channel) throws Throwable {
        MethodHandle getFdVal = MethodHandles.lookup().findVirtual(Class.forName("sun.nio.ch.SelChImpl"), "getFDVal",
                MethodType.methodType(int.class));
        return (int) getFdVal.invoke(channel);
    }

    /** The effective id from /proc/self/status ("Uid:\treal\teffective\tsaved\tfs"). */
    private static long effectiveId(String field) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith(field + ":"))
                .map(l -> Long.parseLong(l.split("\\s+")[2]))
                .findFirst().orElseThrow();
    }
}
