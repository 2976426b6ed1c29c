package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/** One loaded program, owned through its file descriptor. */
public final class BpfProgram implements AutoCloseable {
    private static final int FIRST_LOG_SIZE = 1 << 20;
    private static final int MAX_LOG_SIZE = 1 << 26;

    private final Fd fd;
    private final ProgramInfo info;
    private final String verifierLog;

    private BpfProgram(Fd fd, String verifierLog) {
        this.fd = fd;
        this.verifierLog = verifierLog;
        try {
            this.info = ProgramInfo.ofFd(fd.value());
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Loads a program. When the verifier refuses it, the exception carries the verifier's
     * log: fetched by loading again with log level 1 if the spec asked for none.
     */
    /** Loads tried when the verifier is interrupted (EAGAIN), as libbpf's PROG_LOAD_ATTEMPTS. */
    static final int LOAD_ATTEMPTS = 5;

    public static BpfProgram load(ProgramSpec spec) {
        if (spec.logLevel() > 0) return loadWithLog(spec, spec.logLevel(), FIRST_LOG_SIZE);
        long r;
        try (Attr.ProgLoad a = loadAttr(spec)) {
            r = a.callRaw();
            // The verifier gives up with EAGAIN when a signal is pending for the loading thread;
            // libbpf loads again, up to 5 times in all (PROG_LOAD_ATTEMPTS), and so do we.
            for (int attempt = 1; r == -Errno.EAGAIN.number() && attempt < LOAD_ATTEMPTS; attempt++) r = a.callRaw();
        }
        if (r >= 0) return new BpfProgram(new Fd((int) r), null);
        Errno errno = Errno.of((int) -r);
        if (errno == Errno.EPERM || errno == Errno.E2BIG)
            throw new BpfException(BpfCommand.BPF_PROG_LOAD, errno, describe(spec));
        // Load again with a log, only to explain the refusal.
        try {
            BpfProgram p = loadWithLog(spec, 1, FIRST_LOG_SIZE);
            p.close();
            throw new BpfException(BpfCommand.BPF_PROG_LOAD, errno, describe(spec) + ", but it loaded with a log");
        } catch (BpfException withLog) {
            if (withLog.verifierLog().isPresent()) throw withLog;
            throw new BpfException(BpfCommand.BPF_PROG_LOAD, errno, describe(spec));
        }
    }

    private static BpfProgram loadWithLog(ProgramSpec spec, int level, int logSize) {
        try (Attr.ProgLoad a = loadAttr(spec)) {
            MemorySegment log = a.buffer(logSize);
            a.log(level, log);
            long r = a.callRaw();
            for (int attempt = 1; r == -Errno.EAGAIN.number() && attempt < LOAD_ATTEMPTS; attempt++) r = a.callRaw();
            String text = log.getString(0, StandardCharsets.UTF_8);
            if (r == -Errno.ENOSPC.number() && logSize < MAX_LOG_SIZE) return loadWithLog(spec, level, logSize * 4);
            if (r < 0) throw new BpfException(BpfCommand.BPF_PROG_LOAD, Errno.of((int) -r), describe(spec), text);
            return new BpfProgram(new Fd((int) r), text);
        }
    }

    private static Attr.ProgLoad loadAttr(ProgramSpec spec) {
        Attr.ProgLoad a = new Attr.ProgLoad(spec.type().value, spec.instructionCount(), spec.bytecode(), spec.license(), spec.name());
        if (spec.expectedAttachType() != null) a.expectedAttachType(spec.expectedAttachType().value);
        return a;
    }

    private static String describe(ProgramSpec spec) {
        return spec.type() + " '" + spec.name() + "', " + spec.instructionCount() + " instructions";
    }

    public static BpfProgram fromPin(Path path) {
        return new BpfProgram(Pins.open(path), null);
    }

    public static BpfProgram fromId(int id) {
        try (Attr.GetFdById a = new Attr.GetFdById(BpfCommand.BPF_PROG_GET_FD_BY_ID, id)) {
            return new BpfProgram(new Fd((int) a.call("program id " + id)), null);
        }
    }

    public int fd() {
        return fd.value();
    }

    /** Info as it was at load (ids, names, tag). */
    public ProgramInfo info() {
        return info;
    }

    public int id() {
        return info.id();
    }

    public String name() {
        return info.name();
    }

    public Optional<ProgramType> type() {
        return ProgramType.of(info.type());
    }

    /** The verifier's log, when the program was loaded with a log level. */
    public Optional<String> verifierLog() {
        return Optional.ofNullable(verifierLog);
    }

    public void pin(Path path) {
        Pins.pin(fd(), path);
    }

    /**
     * BPF_PROG_TEST_RUN. For cgroup_skb the packet must start with a 14-byte Ethernet header;
     * the program sees it from the IP header on. Map updates made during the run are real.
     */
    public TestRun.Result testRun(TestRun run) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Math.max(run.data().length, 1));
            MemorySegment.copy(run.data(), 0, in, ValueLayout.JAVA_BYTE, 0, run.data().length);
            in = in.asSlice(0, run.data().length);
            MemorySegment out = arena.allocate(run.data().length + 256);
            try (Attr.ProgTestRun a = new Attr.ProgTestRun(fd(), in, out, run.repeat())) {
                if (run.context() != null) a.context(a.buffer(run.context()).asSlice(0, run.context().length));
                a.call("program '" + name() + "' id " + id());
                int outLen = Math.min(a.dataSizeOut(), (int) out.byteSize());
                return new TestRun.Result(a.returnValue(), out.asSlice(0, outLen).toArray(ValueLayout.JAVA_BYTE), a.durationNanos());
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "program '" + info.name() + "' id " + info.id() + " " + fd;
    }
}
