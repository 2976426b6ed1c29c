package dev.tollgate.bpf.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bpf.link.AttachMode;
import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.nio.file.Files;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@Privileged
class FeaturesTest {

    @Test
    void probesThisKernelByTryingAndCleansUp() throws Exception {
        try (ScratchCgroup scratch = ScratchCgroup.create("probe")) {
            Features f = Features.probe(ApiFileSystems.cgroup2(), scratch.path());
            // The build machines run 6.18: every capability tollgate uses is there.
            for (Feature x : f.all()) assertThat(x.available()).as("%s: %s", x.name(), x.evidence()).isTrue();
            assertThat(f.bestMode()).contains(AttachMode.LINK);
            assertThat(f.chooseMode(Optional.empty())).isEqualTo(AttachMode.LINK);
            for (AttachMode m : AttachMode.values()) assertThat(f.chooseMode(Optional.of(m))).isEqualTo(m);
            // The scratch cgroups of the probe are gone.
            try (Stream<java.nio.file.Path> left = Files.list(scratch.path())) {
                assertThat(left.filter(Files::isDirectory)).isEmpty();
            }
        }
    }

    @Test
    void withoutCgroup2NothingAttachesAndAForcedModeSaysWhy() {
        Features f = Features.probe(Optional.empty(), java.nio.file.Path.of("/nonexistent"));
        assertThat(f.has(Features.CGROUP2)).isFalse();
        assertThat(f.all().getFirst().evidence())
                .isEqualTo("statfs: neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2");
        assertThat(f.has(Features.BPF)).isTrue();
        assertThat(f.bestMode()).isEmpty();
        assertThatThrownBy(() -> f.chooseMode(Optional.of(AttachMode.LINK)))
                .hasMessageContaining("attach mode link was asked for", "5.7");
        assertThatThrownBy(() -> f.chooseMode(Optional.empty())).hasMessageContaining("cgroup BPF is unavailable");
    }

    @Test
    void reportPrintsTableAndJson() throws Exception {
        try (ScratchCgroup scratch = ScratchCgroup.create("probe")) {
            Features f = Features.probe(ApiFileSystems.cgroup2(), scratch.path());
            String table = ProbeReport.table(f);
            assertThat(table).contains("FEATURE", "BPF_F_ALLOW_MULTI", "yes", "attach mode: link");
            String json = ProbeReport.json(f);
            assertThat(json).contains("\"attachMode\": \"link\"", "\"name\": \"BPF_F_REPLACE\", \"available\": true");
            assertThat(json.chars().filter(c -> c == '{').count()).isEqualTo(f.all().size() + 1L);
        }
    }
}
