package dev.tollgate.system.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real tollctl, run as its own process (the test JVM's java, the test class path), as a user runs it. */
final class Tollctl {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one run printed and how it exited. */
    record Result(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path socket;

    Tollctl(Path socket) {
        this.socket = socket;
    }

    /** Runs tollctl with the daemon's socket in $TOLLCTL_SOCKET. */
    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of("TOLLCTL_SOCKET", socket.toString()), args);
    }

    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return exec(List.of(), System.getProperty("java.class.path"), env, args);
    }

    /** Runs tollctl as an unprivileged user (uid and gid 65534) from a class path that user can read. */
    Result runAsNobody(String classPath, String... args) throws IOException, InterruptedException {
        return exec(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), classPath,
                Map.of("TOLLCTL_SOCKET", socket.toString()), args);
    }

    /** Starts tollctl without waiting for it (a verb that streams, such as drops -f); the caller ends it. */
    Process spawn(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"), "dev.tollgate.cli.Tollctl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("TOLLCTL_SOCKET", socket.toString());
        pb.environment().put("LANG", "C.UTF-8");
        return pb.start();
    }

    private static Result exec(List<String> prefix, String classPath, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData",
                "-cp", classPath, "dev.tollgate.cli.Tollctl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("TOLLCTL_SOCKET");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tollctl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
