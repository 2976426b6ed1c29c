package dev.tollgate.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of tollctl's AOT cache (packaging runs it with
 * {@code -XX:AOTCacheOutput}): the commands people and scripts run most, against a stand-in
 * for tollgated on a temporary socket that answers with canned replies, so that the cache
 * holds the classes a real query loads, without root or a daemon; also a socket nobody
 * serves.
 */
public final class AotTraining {
    private static final String UNIT = """
            {"name":"web.service","type":"service","description":"Web server","loadState":"loaded",\
            "activeState":"active","subState":"running","result":"success","fragmentPath":"/etc/tollgate/units/web.service",\
            "dropInPaths":[],"unitFileState":"enabled","mainPID":%d,"pids":[%d],\
            "controlGroup":"/tollgate.slice/web.service","slice":"tollgate.slice","activeEnterTimestamp":1700000000000000,\
            "ipAccounting":true,"ipAddressAllow":["127.0.0.0/8"],"ipAddressDeny":["0.0.0.0/0","::/0"],"attachMode":"link",\
            "delegate":false,"counters":{"ingressBytes":1280,"ingressPackets":10,"egressBytes":3567890,"egressPackets":2500,\
            "ingressDroppedBytes":0,"ingressDroppedPackets":0,"egressDroppedBytes":120,"egressDroppedPackets":2}}""";

    private static final String SLICE = """
            {"name":"tollgate.slice","type":"slice","description":"","loadState":"loaded","activeState":"active",\
            "subState":"active","dropInPaths":[],"pids":[],"controlGroup":"/tollgate.slice","slice":"-.slice",\
            "ipAccounting":false,"ipAddressAllow":[],"ipAddressDeny":[],"attachMode":"link","delegate":false}""";

    /** What GetUnits answers for a name tollgated has no unit for. */
    private static final String MISSING = """
            {"name":"missing.service","type":"service","description":"missing.service","loadState":"not-found",\
            "activeState":"inactive","subState":"dead","dropInPaths":[],"pids":[],"ipAccounting":false,\
            "ipAddressAllow":[],"ipAddressDeny":[],"delegate":false}""";

    private AotTraining() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tollctl-aot");
        try {
            train(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void train(Path dir) throws IOException, InterruptedException {
        Path socket = dir.resolve("io.tollgate.Manager");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of();
        Thread serving;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            serving = Thread.ofPlatform().daemon().start(() -> serve(server));
            String s = socket.toString();
            List<List<String>> commands = List.of(
                    List.of("--socket", s, "show", "-p", "IPIngressBytes", "web.service"),
                    List.of("--socket", s, "show", "-p", "IPIngressBytes,IPEgressBytes", "--value", "web"),
                    List.of("--socket", s, "show", "web.service"),
                    List.of("--socket", s, "show", "-p", "ActiveState", "missing.service"),
                    List.of("--socket", s, "status", "web.service"),
                    List.of("--socket", s, "is-active", "web.service"),
                    List.of("--socket", s, "is-failed", "web.service"),
                    List.of("--socket", s, "is-system-running"),
                    List.of("--socket", dir.resolve("nobody").toString(), "show", "-p", "IPIngressBytes", "web.service"),
                    // Through picocli: its classes cannot be cached (they are Java 5's), the JDK's it
                    // uses can. Not --help and the rarer verbs: every class in the cache is loaded
                    // at every start, and show is what must start fast.
                    List.of("--socket", s, "list-units"),
                    List.of("--socket", s, "tree"),
                    List.of("--socket", s, "show", "-p", "IPIngressBytes", "web.service"));
            for (List<String> c : commands) {
                Tollctl.run(c.toArray(String[]::new), sink, sink, env);
            }
        }
        serving.join(2000);
    }

    private static void serve(ServerSocketChannel server) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                answer(c);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Reads NUL-ended calls and answers each by its method name. */
    private static void answer(SocketChannel c) throws IOException {
        ByteArrayOutputStream call = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (c.read(buf) > 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b != 0) {
                    call.write(b);
                    continue;
                }
                String text = call.toString(StandardCharsets.UTF_8);
                call.reset();
                String reply = reply(text);
                c.write(ByteBuffer.wrap((reply + "\0").getBytes(StandardCharsets.UTF_8)));
            }
            buf.clear();
        }
    }

    static String reply(String call) {
        long pid = ProcessHandle.current().pid();
        String unit = UNIT.formatted(pid, pid);
        if (call.contains("io.tollgate.Manager.GetUnits\"")) {
            // show asks for all its units at once; one unit per name, as tollgated answers.
            return "{\"parameters\":{\"units\":[" + (call.contains("missing") ? MISSING : unit) + "]}}";
        }
        if (call.contains("missing")) {
            return "{\"parameters\":{\"name\":\"missing.service\"},\"error\":\"io.tollgate.Manager.NoSuchUnit\"}";
        }
        if (call.contains("io.tollgate.Manager.GetUnit\"")) {
            return "{\"parameters\":{\"unit\":" + unit + "}}";
        }
        if (call.contains("io.tollgate.Manager.GetSystemState\"")) {
            return "{\"parameters\":{\"state\":\"running\"}}";
        }
        if (call.contains("io.tollgate.Manager.ListUnits\"")) {
            return "{\"parameters\":{\"units\":[" + SLICE + "," + unit + "]}}";
        }
        return "{\"parameters\":{},\"error\":\"org.varlink.service.MethodNotImplemented\"}";
    }
}
