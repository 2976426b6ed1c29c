package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.DropEvent;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** tollctl drops: its journalctl-like lines, and the --since forms. */
class DropsCommandTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final long T = 1_765_005_601_123_456L; // 2025-12-06 07:20:01.123456 UTC

    private static DropEvent event(String dir, int family, int protocol, String remote, String local, Integer rp, Integer lp,
                                   Integer type, Integer code) {
        return new DropEvent(T, "sandbox.service", dir, family, protocol, remote, local, rp, lp, type, code, 84, 1);
    }

    @Test
    void linesSaySenderToReceiver() {
        assertThat(DropsCommand.line(event("egress", 4, 17, "10.0.0.9", "10.0.0.1", 53, 5353, null, null), UTC))
                .isEqualTo("Dec 06 07:20:01.123456 sandbox.service: dropped egress UDP 10.0.0.1:5353 -> 10.0.0.9:53 len 84");
        assertThat(DropsCommand.line(event("ingress", 6, 6, "fd00::1", "::1", 40000, 8080, null, null), UTC))
                .isEqualTo("Dec 06 07:20:01.123456 sandbox.service: dropped ingress TCP [fd00::1]:40000 -> [::1]:8080 len 84");
        assertThat(DropsCommand.line(event("egress", 4, 1, "10.0.0.9", "10.0.0.1", null, null, 8, 0), UTC))
                .isEqualTo("Dec 06 07:20:01.123456 sandbox.service: dropped egress ICMP 10.0.0.1 -> 10.0.0.9 type 8 code 0 len 84");
        assertThat(DropsCommand.line(event("ingress", 6, 58, "fe80::1", "fe80::2", null, null, 135, 0), UTC))
                .endsWith("dropped ingress ICMPv6 fe80::1 -> fe80::2 type 135 code 0 len 84");
        assertThat(DropsCommand.line(event("egress", 4, 47, "10.0.0.9", "10.0.0.1", null, null, null, null), UTC))
                .endsWith("dropped egress proto 47 10.0.0.1 -> 10.0.0.9 len 84");
        assertThat(DropsCommand.line(event("egress", 0, 0, null, null, null, null, null, null), UTC))
                .endsWith("dropped egress non-IP len 84");
    }

    @Test
    void sinceFormsAsJournalctlTakesThem() {
        Instant now = Instant.parse("2025-12-06T07:20:00Z");
        long nowMicros = now.getEpochSecond() * 1_000_000L;
        assertThat(DropsCommand.parseSince("@1765005600", UTC, now)).isEqualTo(nowMicros);
        assertThat(DropsCommand.parseSince("-5min", UTC, now)).isEqualTo(nowMicros - 300_000_000L);
        assertThat(DropsCommand.parseSince("2 h ago", UTC, now)).isEqualTo(nowMicros - 7_200_000_000L);
        assertThat(DropsCommand.parseSince("today", UTC, now)).isEqualTo(nowMicros - (7 * 3600 + 20 * 60) * 1_000_000L);
        assertThat(DropsCommand.parseSince("yesterday", UTC, now)).isEqualTo(nowMicros - (31 * 3600 + 20 * 60) * 1_000_000L);
        assertThat(DropsCommand.parseSince("07:10", UTC, now)).isEqualTo(nowMicros - 600_000_000L);
        assertThat(DropsCommand.parseSince("2025-12-06 07:19:30", UTC, now)).isEqualTo(nowMicros - 30_000_000L);
        assertThat(DropsCommand.parseSince("2025-12-06", UTC, now)).isEqualTo(DropsCommand.parseSince("today", UTC, now));
        for (String bad : new String[] {"soon", "-5 fortnights", "25:00", "@x", "2025-13-01"}) {
            assertThatThrownBy(() -> DropsCommand.parseSince(bad, UTC, now)).as(bad).isInstanceOf(Failure.class)
                    .hasMessageContaining("--since");
        }
    }
}
