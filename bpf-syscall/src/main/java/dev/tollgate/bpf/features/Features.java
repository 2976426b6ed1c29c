package dev.tollgate.bpf.features;

import dev.tollgate.bpf.AttachFlags;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfLink;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.bpf.link.AttachMode;
import dev.tollgate.bpf.sys.BpfAttr;
import dev.tollgate.bpf.sys.BpfCommand;
import dev.tollgate.bpf.sys.BpfException;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What this kernel can do for tollgate, each capability found by trying it (KERNEL.md,
 * "Probing"), never by the version number. Attach mechanisms are tried for real on a scratch
 * child cgroup that is always removed.
 */
public final class Features {
    public static final String CGROUP2 = "cgroup v2 mounted";
    public static final String BPF = "bpf(2) usable (map create)";
    public static final String CGROUP_SKB = "cgroup_skb programs";
    public static final String ATTACH = "cgroup attach (flags 0, single)";
    public static final String MULTI = "BPF_F_ALLOW_MULTI";
    public static final String REPLACE = "BPF_F_REPLACE";
    public static final String LINK = "cgroup bpf_link (BPF_LINK_CREATE)";
    public static final String LINK_UPDATE = "BPF_LINK_UPDATE";
    public static final String LINK_DETACH = "BPF_LINK_DETACH";
    public static final String PREORDER = "BPF_F_PREORDER";
    public static final String BEFORE_AFTER = "BPF_F_BEFORE/AFTER (mprog)";
    public static final String REVISION = "cgroup attach revision";
    public static final String BIND_HOOKS = "bind4/bind6 hooks (cgroup_sock_addr)";
    public static final String TEST_RUN = "BPF_PROG_TEST_RUN for cgroup_skb";
    public static final String LPM_TRIE = "LPM trie maps";
    public static final String PERCPU_ARRAY = "per-CPU array maps";
    public static final String RINGBUF = "ring buffer maps";

    private final Map<String, Feature> features;
    private final Optional<Path> cgroup2;

    private Features(Map<String, Feature> features, Optional<Path> cgroup2) {
        this.features = features;
        this.cgroup2 = cgroup2;
    }

    public List<Feature> all() {
        return List.copyOf(features.values());
    }

    public boolean has(String name) {
        Feature f = features.get(name);
        return f != null && f.available();
    }

    public Optional<Path> cgroup2Mount() {
        return cgroup2;
    }

    /** The best attach mode this kernel offers, if any. */
    public Optional<AttachMode> bestMode() {
        if (has(LINK) && has(LINK_UPDATE)) return Optional.of(AttachMode.LINK);
        if (has(MULTI)) return Optional.of(AttachMode.MULTI);
        if (has(ATTACH)) return Optional.of(AttachMode.SINGLE);
        return Optional.empty();
    }

    /** Whether a forced mode can work here; empty if so, else why not. */
    public Optional<String> whyNot(AttachMode mode) {
        return switch (mode) {
            case LINK -> has(LINK) && has(LINK_UPDATE) ? Optional.empty()
                    : Optional.of("this kernel has no cgroup bpf_link with BPF_LINK_UPDATE (needs 5.7+)");
            case MULTI -> has(MULTI) ? Optional.empty()
                    : Optional.of("this kernel has no BPF_F_ALLOW_MULTI (needs 4.15+)");
            case SINGLE -> has(ATTACH) ? Optional.empty()
                    : Optional.of("cgroup BPF attach does not work here: " + features.get(ATTACH).evidence());
        };
    }

    /**
     * The mode to use: the forced one if this kernel supports it, else the best one probed.
     * Throws {@link IllegalStateException} saying why a forced mode cannot work, or that cgroup
     * BPF is unavailable.
     */
    public AttachMode chooseMode(Optional<AttachMode> forced) {
        if (forced.isPresent()) {
            whyNot(forced.get()).ifPresent(why -> {
                throw new IllegalStateException("attach mode " + forced.get().configName() + " was asked for, but " + why);
            });
            return forced.get();
        }
        return bestMode().orElseThrow(() -> new IllegalStateException(
                "cgroup BPF is unavailable: " + chooseModeFailure()));
    }

    /** What the probe saw when it found no way to attach a program to a cgroup. */
    public String chooseModeFailure() {
        return features.get(ATTACH).evidence();
    }

    /** Probes with scratch cgroups created under {@code scratchParent} (a cgroup v2 directory). */
    public static Features probe(Optional<Path> cgroup2, Path scratchParent) {
        Map<String, Feature> f = new LinkedHashMap<>();
        put(f, CGROUP2, cgroup2.isPresent(), cgroup2.map(p -> "at " + p).orElse("statfs: neither "
                + String.join(" nor ", ApiFileSystems.CGROUP2_PLACES.stream().map(Path::toString).toList()) + " is cgroup2"));

        f.put(BPF, tryMap(BPF, MapSpec.of(MapType.ARRAY, "tg_probe", 4, 4, 1)));
        f.put(LPM_TRIE, tryMap(LPM_TRIE, MapSpec.lpmTrie("tg_probe", 4, 8, 1)));
        f.put(PERCPU_ARRAY, tryMap(PERCPU_ARRAY, MapSpec.of(MapType.PERCPU_ARRAY, "tg_probe", 4, 8, 1)));
        f.put(RINGBUF, tryMap(RINGBUF, MapSpec.ringBuffer("tg_probe", 4096)));

        BpfProgram pass = null;
        try {
            pass = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null));
            put(f, CGROUP_SKB, true, "loaded 'r0 = 1; exit'");
        } catch (BpfException e) {
            put(f, CGROUP_SKB, false, e.errno().toString());
        }
        try (BpfProgram bind = BpfProgram.load(passProgram(ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND))) {
            put(f, BIND_HOOKS, true, "loaded a bind4 program");
        } catch (BpfException e) {
            put(f, BIND_HOOKS, false, e.errno().toString());
        }
        try {
            if (pass != null) {
                f.put(TEST_RUN, probeTestRun(pass));
                if (cgroup2.isPresent()) {
                    probeAttach(f, pass, scratchParent);
                } else {
                    for (String n : List.of(ATTACH, MULTI, REPLACE, LINK, LINK_UPDATE, LINK_DETACH, PREORDER, REVISION))
                        put(f, n, false, "no cgroup v2");
                }
            } else {
                for (String n : List.of(TEST_RUN, ATTACH, MULTI, REPLACE, LINK, LINK_UPDATE, LINK_DETACH, PREORDER, REVISION))
                    put(f, n, false, "cannot load cgroup_skb programs");
            }
            f.put(BEFORE_AFTER, flagKnown(BEFORE_AFTER, AttachFlags.ALLOW_MULTI | AttachFlags.BEFORE));
        } finally {
            if (pass != null) pass.close();
        }
        return new Features(f, cgroup2);
    }

    private static void put(Map<String, Feature> f, String name, boolean ok, String evidence) {
        f.put(name, new Feature(name, ok, evidence));
    }

    private static ProgramSpec passProgram(ProgramType type, AttachType expected) {
        return ProgramSpec.assembled(type, "tg_probe", expected,
                new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of());
    }

    private static Feature tryMap(String name, MapSpec spec) {
        try (BpfMap m = BpfMap.create(spec)) {
            return new Feature(name, true, "created " + spec.type());
        } catch (BpfException e) {
            return new Feature(name, false, e.errno().toString());
        }
    }

    private static Feature probeTestRun(BpfProgram pass) {
        try {
            byte[] packet = new byte[14 + 20];
            packet[12] = 0x08; // Ethernet type IPv4
            packet[14] = 0x45;
            int r = pass.testRun(dev.tollgate.bpf.TestRun.of(packet)).returnValue();
            return new Feature(TEST_RUN, r == 1, "ran 'r0 = 1' on a crafted packet, returned " + r);
        } catch (BpfException e) {
            return new Feature(TEST_RUN, false, e.errno().toString());
        }
    }

    /** A flag is known when attach with bad fds fails with EBADF rather than EINVAL. */
    private static Feature flagKnown(String name, int flags) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, -1).u32(4, -1).u32(8, AttachType.CGROUP_INET_INGRESS.value).u32(12, flags);
            long r = a.callRaw(BpfCommand.BPF_PROG_ATTACH);
            return new Feature(name, r == -Errno.EBADF.number(),
                    "BPF_PROG_ATTACH with flags 0x" + Integer.toHexString(flags) + " and fd -1: " + Errno.of((int) -r).name());
        }
    }

    private static void probeAttach(Map<String, Feature> f, BpfProgram pass, Path parent) {
        AttachType ingress = AttachType.CGROUP_INET_INGRESS;
        List<Path> scratch = new ArrayList<>();
        try {
            Path single = scratch(parent, scratch);
            try (CgroupHandle cg = CgroupHandle.open(single)) {
                CgroupPrograms.attach(cg, pass, ingress, AttachFlags.NONE);
                CgroupPrograms.detach(cg, pass, ingress);
                put(f, ATTACH, true, "attached and detached on a scratch cgroup");
            } catch (BpfException e) {
                put(f, ATTACH, false, e.errno().toString());
            }

            Path multi = scratch(parent, scratch);
            try (CgroupHandle cg = CgroupHandle.open(multi);
                 BpfProgram second = BpfProgram.fromId(pass.id())) {
                CgroupPrograms.attach(cg, pass, ingress, AttachFlags.ALLOW_MULTI);
                put(f, MULTI, true, "attached with ALLOW_MULTI on a scratch cgroup");
                long rev0 = CgroupPrograms.query(cg, ingress, false).revision().orElse(0);
                try (BpfProgram other = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null))) {
                    CgroupPrograms.attach(cg, other, ingress, AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE, second);
                    boolean swapped = CgroupPrograms.query(cg, ingress, false).programIds().equals(List.of(other.id()));
                    put(f, REPLACE, swapped, swapped ? "replaced a multi program in place" : "replace left the old program");
                    long rev1 = CgroupPrograms.query(cg, ingress, false).revision().orElse(0);
                    put(f, REVISION, rev1 > rev0 && rev0 > 0,
                            rev0 == 0 ? "BPF_PROG_QUERY reports no revision" : "revision " + rev0 + " -> " + rev1);
                    CgroupPrograms.detach(cg, other, ingress);
                } catch (BpfException e) {
                    put(f, REPLACE, false, e.errno().toString());
                    f.putIfAbsent(REVISION, new Feature(REVISION, false, "not probed: " + e.errno().name()));
                    detachQuietly(cg, pass, ingress);
                }
                try (BpfProgram pre = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null))) {
                    CgroupPrograms.attach(cg, pre, ingress, AttachFlags.ALLOW_MULTI | AttachFlags.PREORDER);
                    put(f, PREORDER, true, "attached with ALLOW_MULTI|PREORDER");
                    CgroupPrograms.detach(cg, pre, ingress);
                } catch (BpfException e) {
                    put(f, PREORDER, false, e.errno().toString());
                }
            } catch (BpfException e) {
                for (String n : List.of(MULTI, REPLACE, REVISION, PREORDER)) f.putIfAbsent(n, new Feature(n, false, e.errno().toString()));
            }

            Path linked = scratch(parent, scratch);
            try (CgroupHandle cg = CgroupHandle.open(linked);
                 BpfLink link = BpfLink.createCgroup(cg, pass, ingress)) {
                put(f, LINK, true, "created a cgroup link on a scratch cgroup");
                try (BpfProgram other = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null))) {
                    link.update(other, pass);
                    boolean swapped = link.info().programId() == other.id();
                    put(f, LINK_UPDATE, swapped, swapped ? "swapped the link's program" : "program unchanged");
                } catch (BpfException e) {
                    put(f, LINK_UPDATE, false, e.errno().toString());
                }
                try {
                    link.detach();
                    put(f, LINK_DETACH, true, "detached the link");
                } catch (BpfException e) {
                    put(f, LINK_DETACH, false, e.errno().toString());
                }
            } catch (BpfException e) {
                for (String n : List.of(LINK, LINK_UPDATE, LINK_DETACH)) put(f, n, false, e.errno().toString());
            }
        } catch (IOException e) {
            for (String n : List.of(ATTACH, MULTI, REPLACE, LINK, LINK_UPDATE, LINK_DETACH, PREORDER, REVISION))
                f.putIfAbsent(n, new Feature(n, false, "no scratch cgroup: " + e.getMessage()));
        } finally {
            for (Path p : scratch) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Reported by the caller's leftover check; nothing else to do here.
                }
            }
        }
    }

    private static void detachQuietly(CgroupHandle cg, BpfProgram p, AttachType t) {
        try {
            CgroupPrograms.detach(cg, p, t);
        } catch (BpfException ignored) {
            // Removing the scratch cgroup drops it anyway.
        }
    }

    private static Path scratch(Path parent, List<Path> made) throws IOException {
        Path p = parent.resolve("tollgate-probe-" + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(p);
        made.add(p);
        return p;
    }
}
