package dev.tollgate.units.net;

import dev.tollgate.units.syntax.CNumbers;
import dev.tollgate.units.syntax.Words;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code SocketBindAllow=}/{@code SocketBindDeny=} rule as systemd parses it
 * ({@code parse_socket_bind_item()}, src/shared/parse-helpers.c):
 * {@code [ipv4:|ipv6:][tcp:|udp:](PORT|LOW-HIGH|any)}, tokens in that order, ports 1–65535.
 * A missing part matches everything, so {@code ipv6} alone is every IPv6 port and {@code any}
 * everything.
 */
public record SocketBindRule(Optional<IpFamily> family, Optional<Transport> transport, Optional<PortRange> ports) {

    /** systemd's {@code SOCKET_BIND_MAX_RULES}: the most rules one list may hold. */
    public static final int MAX_RULES = 128;

    public static final SocketBindRule ANY = new SocketBindRule(Optional.empty(), Optional.empty(), Optional.empty());

    public SocketBindRule {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(ports, "ports");
    }

    public enum Transport {
        TCP,
        UDP
    }

    /** An inclusive port range within 1–65535. */
    public record PortRange(int low, int high) {
        public PortRange {
            if (low < 1 || high > 65535 || low > high) {
                throw new IllegalArgumentException("bad port range " + low + "-" + high);
            }
        }

        public boolean contains(int port) {
            return port >= low && port <= high;
        }

        @Override
        public String toString() {
            return low == high ? Integer.toString(low) : low + "-" + high;
        }
    }

    /** Whether a {@code bind(2)} of this family, transport and port matches the rule. */
    public boolean matches(IpFamily f, Transport t, int port) {
        return family.map(x -> x == f).orElse(true)
                && transport.map(x -> x == t).orElse(true)
                && ports.map(r -> r.contains(port)).orElse(true);
    }

    public static Optional<SocketBindRule> parse(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Words w = new Words(text);
        Optional<IpFamily> family = Optional.empty();
        Optional<Transport> transport = Optional.empty();
        Optional<PortRange> ports = Optional.empty();
        int parser = 0; // 0: family, 1: transport, 2: ports, 3: done
        boolean lastFailed = false;
        try {
            for (;;) {
                String token = w.next(":", EnumSet.of(Words.Flag.DONT_COALESCE_SEPARATORS));
                if (token == null) {
                    break;
                }
                if (token.isEmpty()) {
                    return Optional.empty();
                }
                lastFailed = true;
                while (parser < 3) {
                    int which = parser++;
                    if (which == 0 && (token.equals("ipv4") || token.equals("ipv6"))) {
                        family = Optional.of(token.equals("ipv4") ? IpFamily.IPV4 : IpFamily.IPV6);
                        lastFailed = false;
                        break;
                    }
                    if (which == 1 && (token.equals("tcp") || token.equals("udp"))) {
                        transport = Optional.of(token.equals("tcp") ? Transport.TCP : Transport.UDP);
                        lastFailed = false;
                        break;
                    }
                    if (which == 2) {
                        if (token.equals("any")) {
                            ports = Optional.empty();
                            lastFailed = false;
                            break;
                        }
                        Optional<PortRange> r = parsePorts(token);
                        if (r.isPresent()) {
                            ports = r;
                            lastFailed = false;
                            break;
                        }
                    }
                }
                if (parser == 3) {
                    break;
                }
            }
        } catch (Words.InvalidWordException e) {
            return Optional.empty();
        }
        if (lastFailed || !w.exhausted()) {
            return Optional.empty();
        }
        return Optional.of(new SocketBindRule(family, transport, ports));
    }

    /** systemd's {@code parse_ip_port_range()}: {@code N} or {@code N-M}, 1–65535. */
    private static Optional<PortRange> parsePorts(String token) {
        int dash = token.indexOf('-');
        String lo = dash >= 0 ? token.substring(0, dash) : token;
        String hi = dash >= 0 ? token.substring(dash + 1) : token;
        if (lo.isEmpty() || hi.isEmpty()) {
            return Optional.empty();
        }
        var l = CNumbers.parseUnsigned(lo, 0xffff_ffffL);
        var h = CNumbers.parseUnsigned(hi, 0xffff_ffffL);
        if (l.isEmpty() || h.isEmpty()) {
            return Optional.empty();
        }
        long a = l.getAsLong();
        long b = h.getAsLong();
        if (a < 1 || a > 65535 || b < 1 || b > 65535 || b < a) {
            return Optional.empty();
        }
        return Optional.of(new PortRange((int) a, (int) b));
    }

    /** {@code ipv4:tcp:80-90}; {@code any} when nothing is restricted. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        family.ifPresent(f -> sb.append(f == IpFamily.IPV4 ? "ipv4" : "ipv6").append(':'));
        transport.ifPresent(t -> sb.append(t == Transport.TCP ? "tcp" : "udp").append(':'));
        sb.append(ports.map(PortRange::toString).orElse("any"));
        return sb.toString();
    }
}
