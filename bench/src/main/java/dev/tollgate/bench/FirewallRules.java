package dev.tollgate.bench;

import dev.tollgate.accounting.PolicyTrie;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The benchmark's 5-prefix firewall, one list for both implementations: IPAddressDeny=
 * 10.0.0.0/8 192.168.0.0/16 172.16.0.0/12 fe80::/10 and IPAddressAllow=127.0.0.1. Loopback
 * traffic to 127.0.0.1 is allowed; to ::1 it matches nothing and passes.
 */
final class FirewallRules {
    /** One prefix of IPAddressAllow= or IPAddressDeny=, host bits already zero. */
    record Prefix(byte[] address, int length, boolean allow) {
        boolean ipv4() {
            return address.length == 4;
        }
    }

    static final List<Prefix> FIVE = List.of(
            deny("10.0.0.0", 8), deny("192.168.0.0", 16), deny("172.16.0.0", 12), deny("fe80::", 10),
            allow("127.0.0.1", 32));

    private FirewallRules() {}

    /** The same list as tollgate's trie entries. */
    static List<PolicyTrie.Entry> trieEntries(List<Prefix> prefixes) {
        return prefixes.stream()
                .map(p -> new PolicyTrie.Entry(p.address(), p.length(), p.allow() ? PolicyTrie.ALLOW : PolicyTrie.DENY))
                .toList();
    }

    static String describe(List<Prefix> prefixes) {
        StringBuilder b = new StringBuilder();
        for (Prefix p : prefixes) {
            if (!b.isEmpty()) b.append(' ');
            try {
                b.append(p.allow() ? "allow " : "deny ").append(InetAddress.getByAddress(p.address()).getHostAddress())
                        .append('/').append(p.length());
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.toString();
    }

    private static Prefix deny(String address, int length) {
        return new Prefix(parse(address), length, false);
    }

    private static Prefix allow(String address, int length) {
        return new Prefix(parse(address), length, true);
    }

    private static byte[] parse(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress(); // literals only: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
