package dev.tollgate.bpf;

/** Input of BPF_PROG_TEST_RUN: packet data, repeat count and an optional context (e.g. a __sk_buff). */
public record TestRun(byte[] data, int repeat, byte[] context) {
    public TestRun {
        data = data.clone();
        context = context == null ? null : context.clone();
        if (repeat < 0) throw new IllegalArgumentException("repeat must be >= 0");
    }

    public static TestRun of(byte[] data) {
        return new TestRun(data, 1, null);
    }

    /** What the program returned, the data it left, and the mean run time. */
    public record Result(int returnValue, byte[] data, int durationNs) {}
}
