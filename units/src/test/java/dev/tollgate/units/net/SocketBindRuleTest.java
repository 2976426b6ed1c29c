package dev.tollgate.units.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** systemd.resource-control(5), SocketBindAllow=; cases checked against systemd-analyze verify (252). */
class SocketBindRuleTest {

    @ParameterizedTest
    @CsvSource({
        "80, 80",
        "any, any",
        "ipv4:tcp:80, ipv4:tcp:80",
        "ipv6:udp:1-65535, ipv6:udp:1-65535",
        "tcp:8000-8080, tcp:8000-8080",
        "ipv4, ipv4:any",
        "ipv4:any, ipv4:any",
        "udp, udp:any",
        "0x50, 80",
        "0b1010000, 80",
        "0o120, 80",
        "7-7, 7",
    })
    void parses(String in, String out) {
        assertThat(SocketBindRule.parse(in)).hasValueSatisfying(r -> assertThat(r).hasToString(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp:ipv4:80", "ipv4::80", "0", "65536", "10-5", "ipv4:tcp:any:1", "80:", "ipv4:", "80 443",
        "http", "ipv4:tcp:80-", "-80", "", "sctp:80"})
    void rejects(String in) {
        assertThat(SocketBindRule.parse(in)).isEmpty();
    }

    @Test
    void matching() {
        SocketBindRule r = SocketBindRule.parse("ipv6:tcp:8000-8080").orElseThrow();
        assertThat(r.matches(IpFamily.IPV6, SocketBindRule.Transport.TCP, 8080)).isTrue();
        assertThat(r.matches(IpFamily.IPV4, SocketBindRule.Transport.TCP, 8080)).isFalse();
        assertThat(r.matches(IpFamily.IPV6, SocketBindRule.Transport.UDP, 8080)).isFalse();
        assertThat(r.matches(IpFamily.IPV6, SocketBindRule.Transport.TCP, 8081)).isFalse();
        assertThat(SocketBindRule.ANY.matches(IpFamily.IPV4, SocketBindRule.Transport.UDP, 1)).isTrue();
    }
}
