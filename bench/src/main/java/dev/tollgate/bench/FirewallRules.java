package dev.tollgate.bench;

import dev.tollgate.accounting.PolicyTrie;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmarks' address lists, one list for both implementations (issue 16): IPAddressDeny=any
 * with IPAddressAllow=127.0.0.0/8 10.0.0.0/8 192.168.0.0/16 (plus ::1/128 when the traffic is
 * IPv6, so that it passes), and allow lists of 64 and 1,024 entries that end with the entry
 * the traffic matches.
 */
final class FirewallRules {
    /** One prefix of IPAddressAllow=, host bits already zero. */
    record Prefix(byte[] address, int length) {
        String text() {
            try {
                return InetAddress.getByAddress(address).getHostAddress() + "/" + length;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An allow list under IPAddressDeny=any. */
    record Policy(String name, List<Prefix> allow) {
        /** systemd's properties for systemd-run. */
        List<String> properties() {
            return List.of("IPAccounting=yes", "IPAddressDeny=any",
                    "IPAddressAllow=" + String.join(" ", allow.stream().map(Prefix::text).toList()));
        }

        /** The same as tollgate's rules: allow entries, and deny 0.0.0.0/0 and ::/0. */
        List<PolicyTrie.Entry> entries() {
            List<PolicyTrie.Entry> e = new ArrayList<>();
            for (Prefix p : allow) e.add(new PolicyTrie.Entry(p.address(), p.length(), PolicyTrie.ALLOW));
            e.add(new PolicyTrie.Entry(new byte[4], 0, PolicyTrie.DENY));
            e.add(new PolicyTrie.Entry(new byte[16], 0, PolicyTrie.DENY));
            return e;
        }

        String describe() {
            return allow.size() <= 4 ? "IPAddressDeny=any IPAddressAllow=" + String.join(" ", allow.stream().map(Prefix::text).toList())
                    : "IPAddressDeny=any IPAddressAllow= " + allow.size() + " prefixes (IPv4 /24s and IPv6 /48s, the matching one last)";
        }
    }

    private FirewallRules() {}

    /** The issue's list. */
    static Policy issue(boolean ipv6) {
        List<Prefix> allow = new ArrayList<>(List.of(p("127.0.0.0", 8), p("10.0.0.0", 8), p("192.168.0.0", 16)));
        if (ipv6) allow.add(p("::1", 128));
        return new Policy("issue list", allow);
    }

    /** {@code n} allow entries: alternating IPv4 /24s in 172.16.0.0/12 and IPv6 /48s in fd00::/8, then the loopback one. */
    static Policy sized(int n, boolean ipv6) {
        List<Prefix> allow = new ArrayList<>();
        for (int i = 0; allow.size() < n - 1; i++) {
            if (i % 2 == 0) {
                allow.add(new Prefix(new byte[] {(byte) 172, (byte) (16 + (i >> 9 & 15)), (byte) (i >> 1), 0}, 24));
            } else {
                byte[] a = new byte[16];
                a[0] = (byte) 0xfd;
                a[1] = 0;
                a[2] = (byte) (i >> 8);
                a[3] = (byte) i;
                a[4] = (byte) 0x42;
                allow.add(new Prefix(a, 48));
            }
        }
        allow.add(ipv6 ? p("::1", 128) : p("127.0.0.0", 8));
        return new Policy(n + "-entry list", allow);
    }

    private static Prefix p(String literal, int length) {
        try {
            return new Prefix(InetAddress.getByName(literal).getAddress(), length); // literals only: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
