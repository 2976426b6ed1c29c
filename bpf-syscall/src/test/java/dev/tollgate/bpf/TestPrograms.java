package dev.tollgate.bpf;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R6;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Helper;
import java.util.Map;

/** Small programs for the tests: pass, drop, and a per-CPU packet and byte counter. */
final class TestPrograms {
    private TestPrograms() {}

    static BpfProgram verdict(String name, int verdict) {
        return BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null,
                new Assembler().mov(R0, verdict).exit().assemble(), Map.of()));
    }

    /** A PERCPU_ARRAY of {packets, bytes} per slot. */
    static BpfMap counters(String name, int slots) {
        return BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, name, 4, 16, slots));
    }

    /** Adds one packet and skb->len bytes to slot {@code key} of {@code counters}, then passes the packet. */
    static BpfProgram counting(String name, BpfMap counters, int key) {
        return BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null, new Assembler()
                .mov(R6, R1)
                .stw(R10, -4, key)
                .mov(R2, R10).add(R2, -4)
                .ldMapFd(R1, "counters")
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "out")
                // Per-CPU slots: no other CPU writes here, so a plain add is exact.
                .ldxdw(R1, R0, 0).add(R1, 1).stxdw(R0, 0, R1)
                .ldxw(R2, R6, 0)
                .ldxdw(R1, R0, 8).add(R1, R2).stxdw(R0, 8, R1)
                .label("out")
                .mov(R0, 1)
                .exit()
                .assemble(), Map.of("counters", counters)));
    }

    /** {packets, bytes} summed over CPUs. */
    static long[] read(BpfMap counters, int key) {
        return counters.lookupSummedU64(Bytes.u32(key)).orElseThrow();
    }
}
