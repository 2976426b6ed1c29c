package dev.tollgate.units.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.3.2/24, 10.0.3.0/24",
        "127.0.0.1, 127.0.0.1/32",
        "0.0.0.0/0, 0.0.0.0/0",
        "255.255.255.255/1, 128.0.0.0/1",
        "::1, ::1/128",
        "::, ::/128",
        "fe80::1/64, fe80::/64",
        "FE80:0:0:0:0:0:0:1, fe80::1/128",
        "2001:db8::ff00:42:8329/48, 2001:db8::/48",
        "::ffff:1.2.3.4, ::ffff:102:304/128",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8/128",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3/128",
        "1.2.3.4/0x10, 1.2.0.0/16",
    })
    void parsesMasksAndPrints(String in, String out) {
        assertThat(IpPrefix.parse(in)).hasValueSatisfying(p -> assertThat(p).hasToString(out));
    }

    /** What inet_pton(3) refuses, and lengths out of range (systemd 252 warns about these). */
    @ParameterizedTest
    @ValueSource(strings = {"01.2.3.4", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4/33", "::/129", "fe80::1%eth0",
        "\"1.2.3.4\"", "1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "12345::", "localhost", "", "1.2.3.4/", "1.2.3.4/-1",
        "::1/0x81", "g::"})
    void rejects(String in) {
        assertThat(IpPrefix.parse(in)).isEmpty();
    }

    @Test
    void coversAndContains() {
        IpPrefix net8 = IpPrefix.parse("10.0.0.0/8").orElseThrow();
        assertThat(net8.covers(IpPrefix.parse("10.1.2.0/24").orElseThrow())).isTrue();
        assertThat(net8.covers(IpPrefix.parse("11.0.0.0/24").orElseThrow())).isFalse();
        assertThat(net8.covers(IpPrefix.parse("0.0.0.0/0").orElseThrow())).isFalse();
        assertThat(net8.contains(new byte[] {10, 9, 8, 7})).isTrue();
        assertThat(net8.contains(new byte[16])).isFalse();
        assertThat(IpPrefix.any(IpFamily.IPV6).covers(IpPrefix.parse("::1").orElseThrow())).isTrue();
    }

    @Test
    void equalityIsCanonical() {
        assertThat(IpPrefix.parse("10.0.3.2/24")).isEqualTo(IpPrefix.parse("10.0.3.255/24"));
        assertThat(IpPrefix.parse("fe80::1/64")).isEqualTo(IpPrefix.parse("fe80::ffff/64"));
    }
}
