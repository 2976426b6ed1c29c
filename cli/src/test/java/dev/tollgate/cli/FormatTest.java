package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void bytesAsSystemdFormatsThem() {
        assertThat(Format.bytes(0)).isEqualTo("0B");
        assertThat(Format.bytes(1023)).isEqualTo("1023B");
        assertThat(Format.bytes(1024)).isEqualTo("1.0K");
        assertThat(Format.bytes(1280)).isEqualTo("1.2K");
        assertThat(Format.bytes(1536)).isEqualTo("1.5K");
        // Truncated, not rounded, as systemd's format_bytes_full.
        assertThat(Format.bytes(2047)).isEqualTo("1.9K");
        assertThat(Format.bytes(1024 * 1024 - 1)).isEqualTo("1023.9K");
        assertThat(Format.bytes(1024 * 1024)).isEqualTo("1.0M");
        assertThat(Format.bytes(3_565_158)).isEqualTo("3.3M");
        assertThat(Format.bytes(3_565_568)).isEqualTo("3.4M");
        assertThat(Format.bytes(130_056)).isEqualTo("127.0K");
        assertThat(Format.bytes(5L << 30)).isEqualTo("5.0G");
        assertThat(Format.bytes((5L << 30) + (512L << 20))).isEqualTo("5.5G");
        assertThat(Format.bytes(3L << 40)).isEqualTo("3.0T");
        assertThat(Format.bytes(1L << 60)).isEqualTo("1.0E");
    }

    @Test
    void bytesAreUnsigned() {
        // UINT64_MAX is what the kernel's counters would be before wrapping: 15.9E, as systemd computes it.
        assertThat(Format.bytes(-1L)).isEqualTo("15.9E");
    }

    @Test
    void ratesNeverGoNegative() {
        assertThat(Format.rate(1536.9)).isEqualTo("1.5K/s");
        assertThat(Format.rate(-5)).isEqualTo("0B/s");
    }

    @Test
    void timestampAsSystemdFormatsIt() {
        long micros = 1_704_362_400_000_000L; // 2024-01-04 10:00:00 UTC, a Thursday
        assertThat(Format.timestamp(micros, ZoneId.of("UTC"))).isEqualTo("Thu 2024-01-04 10:00:00 UTC");
        assertThat(Format.timestamp(micros + 999_999, ZoneId.of("UTC"))).isEqualTo("Thu 2024-01-04 10:00:00 UTC");
        assertThat(Format.timestamp(micros, ZoneId.of("Europe/Berlin"))).isEqualTo("Thu 2024-01-04 11:00:00 CET");
        assertThat(Format.timestamp(1_719_000_000_000_000L, ZoneId.of("Europe/Berlin"))).isEqualTo("Fri 2024-06-21 22:00:00 CEST");
        assertThat(Format.timestamp(0, ZoneId.of("UTC"))).isNull();
    }

    @Test
    void relativeTimesAsSystemdFormatsThem() {
        long now = 1_704_362_400_000_000L;
        long s = 1_000_000L;
        assertThat(Format.relative(now, now)).isEqualTo("now");
        assertThat(Format.relative(now - 500, now)).isEqualTo("500us ago");
        assertThat(Format.relative(now - 1500, now)).isEqualTo("1ms ago");
        assertThat(Format.relative(now - 5 * s, now)).isEqualTo("5s ago");
        assertThat(Format.relative(now - 59 * s, now)).isEqualTo("59s ago");
        assertThat(Format.relative(now - 123 * s, now)).isEqualTo("2min 3s ago");
        assertThat(Format.relative(now - 301 * s, now)).isEqualTo("5min ago");
        assertThat(Format.relative(now - 3900 * s, now)).isEqualTo("1h 5min ago");
        assertThat(Format.relative(now - 7 * 3600 * s, now)).isEqualTo("7h ago");
        assertThat(Format.relative(now - 26 * 3600 * s, now)).isEqualTo("1 day 2h ago");
        assertThat(Format.relative(now - 3 * 86400 * s, now)).isEqualTo("3 days ago");
        assertThat(Format.relative(now - 8 * 86400 * s, now)).isEqualTo("1 week 1 day ago");
        assertThat(Format.relative(now - 22 * 86400 * s, now)).isEqualTo("3 weeks 1 day ago");
        assertThat(Format.relative(now - 40 * 86400 * s, now)).isEqualTo("1 month 9 days ago");
        assertThat(Format.relative(now - 400 * 86400 * s, now)).isEqualTo("1 year 1 month ago");
        assertThat(Format.relative(now + 5 * s, now)).isEqualTo("5s left");
        assertThat(Format.relative(0, now)).isNull();
    }
}
