package dev.tollgate.bpf.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@Privileged
class CapabilitiesTest {

    @Test
    void probesThisKernelByTryingAndCleansUp() throws Exception {
        try (ScratchCgroup scratch = ScratchCgroup.create("probe")) {
            Capabilities c = Capabilities.of(ApiFileSystems.cgroup2(), scratch.path());
            // The build machines run 6.18: every capability tollgate uses is there.
            List<CapabilityCheck> all = c.all();
            assertThat(all).extracting(CapabilityCheck::capability).containsExactly(KernelCapability.values());
            for (CapabilityCheck x : all) {
                assertThat(x.available()).as("%s: %s", x.name(), x.evidence()).isTrue();
                assertThat(x.errno()).isEmpty();
            }
            assertThat(c.bestMode()).contains(AttachMechanism.LINK);
            assertThat(c.chooseMode(Optional.empty())).isEqualTo(AttachMechanism.LINK);
            for (AttachMechanism m : AttachMechanism.values()) assertThat(c.chooseMode(Optional.of(m))).isEqualTo(m);
            // The scratch cgroups of the probe are gone.
            try (Stream<Path> left = Files.list(scratch.path())) {
                assertThat(left.filter(Files::isDirectory)).isEmpty();
            }
        }
    }

    @Test
    void eachCapabilityIsProbedOnceEvenWhenAskedConcurrently() throws Exception {
        try (ScratchCgroup scratch = ScratchCgroup.create("probe-once")) {
            Capabilities c = Capabilities.of(ApiFileSystems.cgroup2(), scratch.path());
            List<Callable<CapabilityCheck>> asks = Stream.of(KernelCapability.values(), KernelCapability.values())
                    .flatMap(Stream::of).map(k -> (Callable<CapabilityCheck>) () -> c.check(k)).toList();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<CapabilityCheck>> answers = pool.invokeAll(asks);
                for (Future<CapabilityCheck> f : answers) {
                    // The very same answer object: remembered, not probed again.
                    assertThat(f.get()).isSameAs(c.check(f.get().capability()));
                }
            } finally {
                pool.shutdownNow();
            }
            // Kernel-wide answers are shared by every instance.
            assertThat(Capabilities.kernel().check(KernelCapability.RINGBUF)).isSameAs(c.check(KernelCapability.RINGBUF));
        }
    }

    @Test
    void withoutCgroup2NothingAttachesAndAForcedModeSaysWhy() {
        Capabilities c = Capabilities.of(Optional.empty(), Path.of("/nonexistent"));
        CapabilityCheck cgroup2 = c.check(KernelCapability.CGROUP2);
        assertThat(cgroup2.available()).isFalse();
        assertThat(cgroup2.evidence()).isEqualTo("statfs: neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2");
        assertThat(c.check(KernelCapability.LINK).evidence()).isEqualTo("no cgroup v2");
        assertThat(c.has(KernelCapability.BPF)).isTrue();
        assertThat(c.bestMode()).isEmpty();
        assertThatThrownBy(() -> c.chooseMode(Optional.of(AttachMechanism.LINK)))
                .hasMessageContaining("attach mode link was asked for", "5.7");
        assertThatThrownBy(() -> c.chooseMode(Optional.empty())).hasMessageContaining("cgroup BPF is unavailable");
    }

    @Test
    void theKernelWideInstanceAnswersWithoutACgroupAndSaysSoForAttachProbes() {
        Capabilities k = Capabilities.kernel();
        assertThat(k.has(KernelCapability.DIRECT_PACKET_READ)).isTrue();
        // The test machines run 6.x; before 5.9 the u64 key is refused with EINVAL.
        assertThat(k.check(KernelCapability.SHARED_CGROUP_STORAGE).evidence()).isEqualTo("created PERCPU_CGROUP_STORAGE");
        assertThat(k.check(KernelCapability.REPLACE).evidence()).contains("EBADF");
        assertThat(k.check(KernelCapability.LINK_DETACH).evidence()).contains("EBADF");
        CapabilityCheck link = k.check(KernelCapability.LINK);
        assertThat(link.available()).isFalse();
        assertThat(link.evidence()).isEqualTo("not probed: no cgroup to try it in");
    }
}
