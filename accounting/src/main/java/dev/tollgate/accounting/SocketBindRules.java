package dev.tollgate.accounting;

import dev.tollgate.units.net.IpFamily;
import dev.tollgate.units.net.SocketBindRule;
import java.util.List;

/**
 * SocketBindAllow= and SocketBindDeny= as the bind hooks apply them: a bind(2) that matches an
 * allow rule succeeds; else one that matches a deny rule fails with EPERM; else it succeeds.
 */
public record SocketBindRules(List<Rule> allow, List<Rule> deny) {
    public static final SocketBindRules NONE = new SocketBindRules(List.of(), List.of());
    public static final int AF_ANY = 0, AF_INET = 2, AF_INET6 = 10;
    public static final int PROTO_ANY = 0, PROTO_TCP = 6, PROTO_UDP = 17;
    public static final int MAX_RULES = 128;

    public SocketBindRules {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        if (allow.size() > MAX_RULES || deny.size() > MAX_RULES)
            throw new IllegalArgumentException("at most " + MAX_RULES + " socket-bind rules per list");
    }

    /** The rules of a unit's {@code SocketBindAllow=} and {@code SocketBindDeny=} settings, in order. */
    public static SocketBindRules of(List<SocketBindRule> allow, List<SocketBindRule> deny) {
        return new SocketBindRules(allow.stream().map(SocketBindRules::rule).toList(),
                deny.stream().map(SocketBindRules::rule).toList());
    }

    private static Rule rule(SocketBindRule r) {
        int family = r.family().map(f -> f == IpFamily.IPV4 ? AF_INET : AF_INET6).orElse(AF_ANY);
        int proto = r.transport().map(t -> t == SocketBindRule.Transport.TCP ? PROTO_TCP : PROTO_UDP).orElse(PROTO_ANY);
        int min = r.ports().map(SocketBindRule.PortRange::low).orElse(0);
        int count = r.ports().map(p -> p.high() - p.low() + 1).orElse(0);
        return new Rule(family, proto, min, count);
    }

    public boolean isEmpty() {
        return allow.isEmpty() && deny.isEmpty();
    }

    /**
     * One rule: address family ({@link #AF_ANY}, {@link #AF_INET}, {@link #AF_INET6}), protocol
     * ({@link #PROTO_ANY}, TCP, UDP), and ports {@code [portMin, portMin + portCount)}, where a
     * count of 0 means any port, port 0 (an ephemeral bind) included.
     */
    public record Rule(int family, int protocol, int portMin, int portCount) {
        public Rule {
            if (family != AF_ANY && family != AF_INET && family != AF_INET6)
                throw new IllegalArgumentException("family must be any, AF_INET or AF_INET6");
            if (protocol != PROTO_ANY && protocol != PROTO_TCP && protocol != PROTO_UDP)
                throw new IllegalArgumentException("protocol must be any, tcp or udp");
            if (portCount < 0 || (portCount > 0 && (portMin < 1 || portMin + portCount - 1 > 65535)))
                throw new IllegalArgumentException("ports must lie in 1-65535");
        }

        public static Rule any() {
            return new Rule(AF_ANY, PROTO_ANY, 0, 0);
        }
    }
}
