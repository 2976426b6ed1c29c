package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpusAndNamesTest {

    @Test
    void countsPossibleCpuLists() {
        assertThat(PossibleCpus.parse("0\n")).isEqualTo(1);
        assertThat(PossibleCpus.parse("0-1")).isEqualTo(2);
        assertThat(PossibleCpus.parse("0-3,8,10-11\n")).isEqualTo(7);
        assertThatThrownBy(() -> PossibleCpus.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(PossibleCpus.count()).isPositive();
    }

    @Test
    void objectNamesFollowTheKernelRule() {
        assertThat(ObjectName.check("tg_fw_ingress")).isEqualTo("tg_fw_ingress");
        assertThatThrownBy(() -> ObjectName.check("a_name_that_is_too_long")).hasMessageContaining("longer than 15");
        assertThatThrownBy(() -> ObjectName.check("web-server")).hasMessageContaining("[A-Za-z0-9_.]");
        assertThat(ObjectName.sanitize("web-server.service")).isEqualTo("web_server.serv");
    }
}
