package dev.tollgate.units;

import static dev.tollgate.units.TestUnits.failure;
import static dev.tollgate.units.TestUnits.messages;
import static dev.tollgate.units.TestUnits.service;
import static dev.tollgate.units.TestUnits.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.net.BpfAttachType;
import dev.tollgate.units.net.ForeignProgram;
import dev.tollgate.units.net.IpAddressList;
import dev.tollgate.units.net.IpPrefix;
import dev.tollgate.units.net.NetworkInterfaces;
import dev.tollgate.units.net.SocketBindRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** systemd.resource-control(5) and SEMANTICS.md. */
class ResourceControlDirectivesTest {

    private static IpAddressList list(String... prefixes) {
        List<IpPrefix> l = new ArrayList<>();
        for (String p : prefixes) {
            l.add(IpPrefix.parse(p).orElseThrow());
        }
        return IpAddressList.of(l);
    }

    private static ResourceControl rc(String serviceBody) {
        return service("[Service]\nExecStart=/bin/x\n" + serviceBody).resources();
    }

    /** SEMANTICS.md: keywords, host addresses, masking, reduction; lists add up; empty clears. */
    @Test
    void ipAddressLists() {
        ResourceControl r = rc("IPAddressDeny=any\nIPAddressAllow=localhost\nIPAddressAllow=10.0.3.2/24 link-local\n"
                + "IPAddressAllow=multicast 10.0.3.7 192.168.1.1\n");
        assertThat(r.ipAddressDeny().isAny()).isTrue();
        assertThat(r.ipAddressDeny()).isEqualTo(list("0.0.0.0/0", "::/0"));
        assertThat(r.ipAddressAllow()).isEqualTo(list("127.0.0.0/8", "::1/128", "10.0.3.0/24", "169.254.0.0/16", "fe80::/64",
                "224.0.0.0/4", "ff00::/8", "192.168.1.1/32"));
        assertThat(rc("IPAddressAllow=10.0.0.1\nIPAddressAllow=\nIPAddressAllow=::1\n").ipAddressAllow()).isEqualTo(list("::1"));
        assertThat(rc("IPAddressAllow=localhost.localdomain foo.localhost\n").ipAddressAllow())
                .isEqualTo(list("127.0.0.0/8", "::1/128"));
    }

    private static NetworkInterfaces ifaces(boolean allow, String... names) {
        return new NetworkInterfaces(true, allow, List.of(names));
    }

    /** IPDropEventRate= (ours): RATE[/s] [BURST], 0 or off; empty resets; bad values warned with file:line and ignored. */
    @Test
    void ipDropEventRate() {
        assertThat(rc("").ipDropEventRate()).isEqualTo(dev.tollgate.units.net.IpDropEventRate.DEFAULT);
        assertThat(rc("IPDropEventRate=50/s 200\n").ipDropEventRate()).isEqualTo(new dev.tollgate.units.net.IpDropEventRate(50, 200));
        assertThat(rc("IPDropEventRate=7\n").ipDropEventRate()).isEqualTo(new dev.tollgate.units.net.IpDropEventRate(7, 70));
        assertThat(rc("IPDropEventRate=off\n").ipDropEventRate().enabled()).isFalse();
        assertThat(rc("IPDropEventRate=0\n").ipDropEventRate()).isEqualTo(dev.tollgate.units.net.IpDropEventRate.OFF);
        assertThat(rc("IPDropEventRate=5\nIPDropEventRate=\n").ipDropEventRate()).isEqualTo(dev.tollgate.units.net.IpDropEventRate.DEFAULT);
        assertThat(rc("IPDropEventRate=5\nIPDropEventRate=x\n").ipDropEventRate()).isEqualTo(new dev.tollgate.units.net.IpDropEventRate(5, 50));
        assertThat(rc("IPDropEventRate=100/s 1000\n").ipDropEventRate().text()).isEqualTo("100/s 1000");
        String body = "[Service]\nExecStart=/bin/x\nIPDropEventRate=fast\nIPDropEventRate=10/s 0\nIPDropEventRate=1 2 3\n"
                + "IPDropEventRate=-1\nIPDropEventRate=10/min\nIPDropEventRate=2000000000\n";
        assertThat(messages("t.service", body)).containsExactly(
                "3: Invalid drop event rate 'fast', ignoring: rate must be a whole number of events per second from 1 to 1000000000 (or 0, off)",
                "4: Invalid drop event rate '10/s 0', ignoring: burst must be a whole number of events from 1 to 1000000000",
                "5: Invalid drop event rate '1 2 3', ignoring: expected RATE[/s] [BURST], got 3 words",
                "6: Invalid drop event rate '-1', ignoring: rate must be a whole number of events per second from 1 to 1000000000 (or 0, off)",
                "7: Invalid drop event rate '10/min', ignoring: rate must be a whole number of events per second from 1 to 1000000000 (or 0, off)",
                "8: Invalid drop event rate '2000000000', ignoring: rate must be a whole number of events per second from 1 to 1000000000 (or 0, off)");
    }

    /**
     * RestrictNetworkInterfaces= as systemd 257 parses it (config_parse_restrict_network_interfaces,
     * checked against 257's {@code systemctl show}): the first assignment to an empty set picks
     * allow or deny; one of the other kind removes its names; empty resets.
     */
    @Test
    void restrictNetworkInterfacesMergesAsSystemdDoes() {
        assertThat(rc("").restrictNetworkInterfaces()).isEqualTo(NetworkInterfaces.NONE);
        assertThat(rc("RestrictNetworkInterfaces=lo eth0\n").restrictNetworkInterfaces()).isEqualTo(ifaces(true, "lo", "eth0"));
        assertThat(rc("RestrictNetworkInterfaces=eth0 lo\n").restrictNetworkInterfaces().text()).isEqualTo("eth0 lo");
        assertThat(rc("").restrictNetworkInterfaces().text()).isEqualTo("~");
        assertThat(rc("RestrictNetworkInterfaces=~\n").restrictNetworkInterfaces().text()).isEqualTo("~");
        assertThat(rc("RestrictNetworkInterfaces=~lo\nRestrictNetworkInterfaces=lo\n").restrictNetworkInterfaces().text()).isEqualTo("~");
        assertThat(rc("RestrictNetworkInterfaces=~lo\nRestrictNetworkInterfaces=~eth0\n").restrictNetworkInterfaces())
                .isEqualTo(ifaces(false, "lo", "eth0"));
        // Allow list, then a deny list: the denied names leave the allow list; nothing is denied.
        assertThat(rc("RestrictNetworkInterfaces=lo eth0\nRestrictNetworkInterfaces=~eth0 eth1\n").restrictNetworkInterfaces())
                .isEqualTo(ifaces(true, "lo"));
        // Deny list, then an allow list: the allowed names leave the deny list.
        assertThat(rc("RestrictNetworkInterfaces=~lo eth0\nRestrictNetworkInterfaces=eth0\n").restrictNetworkInterfaces())
                .isEqualTo(ifaces(false, "lo"));
        // Emptied by removal, the set takes the kind of the next assignment.
        assertThat(rc("RestrictNetworkInterfaces=lo\nRestrictNetworkInterfaces=~lo\nRestrictNetworkInterfaces=~eth0\n")
                .restrictNetworkInterfaces()).isEqualTo(ifaces(false, "eth0"));
        // Emptied by removal, the set still exists: systemd 257 then drops all the unit's traffic.
        assertThat(rc("RestrictNetworkInterfaces=lo\nRestrictNetworkInterfaces=~lo\n").restrictNetworkInterfaces()).isEqualTo(ifaces(true));
        assertThat(rc("RestrictNetworkInterfaces=~lo\nRestrictNetworkInterfaces=lo\n").restrictNetworkInterfaces()).isEqualTo(ifaces(false));
        // No valid name ever added: no set, nothing restricted.
        assertThat(rc("RestrictNetworkInterfaces=a:b\n").restrictNetworkInterfaces()).isEqualTo(new NetworkInterfaces(false, true, List.of()));
        assertThat(rc("RestrictNetworkInterfaces=a:b\n").restrictNetworkInterfaces().text()).isEqualTo("");
        assertThat(rc("RestrictNetworkInterfaces=~\n").restrictNetworkInterfaces().restricts()).isFalse();
        assertThat(rc("RestrictNetworkInterfaces=lo\nRestrictNetworkInterfaces=\n").restrictNetworkInterfaces().restricts()).isFalse();
        assertThat(rc("RestrictNetworkInterfaces=lo\nRestrictNetworkInterfaces=~lo\n").restrictNetworkInterfaces().text()).isEqualTo("");
        assertThat(rc("RestrictNetworkInterfaces=~lo\nRestrictNetworkInterfaces=\nRestrictNetworkInterfaces=eth0\n")
                .restrictNetworkInterfaces()).isEqualTo(ifaces(true, "eth0"));
        assertThat(rc("RestrictNetworkInterfaces=\"lo\" 'eth 0x'\n").restrictNetworkInterfaces()).isEqualTo(ifaces(true, "lo"));
        assertThat(rc("RestrictNetworkInterfaces=lo \"eth0\n").restrictNetworkInterfaces()).isEqualTo(ifaces(true, "lo"));
        assertThat(ifaces(false, "veth1", "lo").text()).isEqualTo("~veth1 lo");
        assertThat(rc("RestrictNetworkInterfaces=lo\n").hasIpFirewall()).isTrue();
    }

    /** ifname_valid_full(IFNAME_VALID_ALTERNATIVE): bad names are warned about with file:line and skipped. */
    @Test
    void invalidInterfaceNamesAreWarnedAndSkipped() {
        String body = "[Service]\nExecStart=/bin/x\nRestrictNetworkInterfaces=eth0 a:b a/b a%d . .. all default 1 0x1f 007 0 "
                + "-1 " + "x".repeat(127) + " " + "y".repeat(128) + " \u00e9th0 veth-1.2_x@y\n";
        assertThat(messages("t.service", body)).containsExactly(
                "3: Invalid interface name, ignoring: a:b",
                "3: Invalid interface name, ignoring: a/b",
                "3: Invalid interface name, ignoring: a%d",
                "3: Invalid interface name, ignoring: .",
                "3: Invalid interface name, ignoring: ..",
                "3: Invalid interface name, ignoring: all",
                "3: Invalid interface name, ignoring: default",
                "3: Invalid interface name, ignoring: 1",
                "3: Invalid interface name, ignoring: 0x1f",
                "3: Invalid interface name, ignoring: 007",
                "3: Invalid interface name, ignoring: 0",
                "3: Invalid interface name, ignoring: " + "y".repeat(128),
                "3: Invalid interface name, ignoring: \u00e9th0");
        assertThat(service(body).resources().restrictNetworkInterfaces().names())
                .containsExactly("eth0", "-1", "x".repeat(127), "veth-1.2_x@y");
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nRestrictNetworkInterfaces=lo \"eth0\n"))
                .containsExactly("3: Trailing garbage in RestrictNetworkInterfaces, ignoring: lo \"eth0");
    }

    /** An invalid entry is warned about and skipped; the rest of the line still counts (systemd 252). */
    @Test
    void invalidIpEntriesAreWarnedAndSkipped() {
        String body = "[Service]\nExecStart=/bin/x\nIPAddressAllow=\"1.2.3.4\" 01.2.3.4 1.2.3.4/0x10 ::ffff:1.2.3.4 fe80::1%eth0 ANY\n";
        assertThat(messages("t.service", body)).containsExactly(
                "3: Address prefix is invalid, ignoring assignment: \"1.2.3.4\"",
                "3: Address prefix is invalid, ignoring assignment: 01.2.3.4",
                "3: Address prefix is invalid, ignoring assignment: fe80::1%eth0",
                "3: Address prefix is invalid, ignoring assignment: ANY");
        assertThat(service(body).resources().ipAddressAllow()).isEqualTo(list("1.2.0.0/16", "::ffff:1.2.3.4"));
    }

    /** Property: random IPAddressAllow= lines give the reduced union of their valid words, one warning per bad word. */
    @Test
    void ipAddressDirectiveProperty() {
        Random rnd = new Random(99);
        String[] pool = {"any", "localhost", "link-local", "multicast", "10.0.0.0/8", "10.1.2.3", "10.1.0.0/16", "::1",
            "2001:db8::/32", "2001:db8::1", "bogus", "300.1.1.1", "fe80::/10", "0.0.0.0/0", "1.2.3.4/33"};
        for (int i = 0; i < 1000; i++) {
            List<String> lines = new ArrayList<>();
            List<IpPrefix> expected = new ArrayList<>();
            int bad = 0;
            for (int l = 1 + rnd.nextInt(3); l > 0; l--) {
                StringBuilder line = new StringBuilder();
                if (rnd.nextInt(8) == 0) {
                    expected.clear();
                    lines.add(""); // an empty assignment resets the list (not the warnings)
                }
                for (int w = 1 + rnd.nextInt(4); w > 0; w--) {
                    String word = pool[rnd.nextInt(pool.length)];
                    line.append(' ').append(word);
                    List<IpPrefix> e = dev.tollgate.units.directives.ResourceControlDirectives.ipEntry(word);
                    if (e.isEmpty()) {
                        bad++;
                    }
                    expected.addAll(e);
                }
                lines.add(line.toString().strip());
            }
            StringBuilder text = new StringBuilder("[Service]\nExecStart=/bin/x\n");
            lines.forEach(l -> text.append("IPAddressAllow=").append(l).append('\n'));
            LoadResult r = TestUnits.load("t.service", text.toString());
            assertThat(r.diagnostics()).hasSize(bad);
            assertThat(((ServiceConfig) ((LoadResult.Loaded) r).config()).resources().ipAddressAllow())
                    .isEqualTo(IpAddressList.of(expected));
        }
    }

    @Test
    void ipAccounting() {
        assertThat(rc("IPAccounting=yes\n").ipAccounting()).isTrue();
        assertThat(rc("IPAccounting=yes\nIPAccounting=off\n").ipAccounting()).isFalse();
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nIPAccounting=\nIPAccounting=maybe\n"))
                .containsExactly("3: Failed to parse boolean value, ignoring: ", "4: Failed to parse boolean value, ignoring: maybe");
    }

    @Test
    void filterPaths() {
        ResourceControl r = rc("IPIngressFilterPath=/sys/fs/bpf/a b\nIPIngressFilterPath=/sys/fs/bpf//c\n"
                + "IPIngressFilterPath=/sys/fs/bpf/c\nIPEgressFilterPath=/sys/fs/bpf/e\nIPEgressFilterPath=\n");
        assertThat(r.ipIngressFilterPath()).containsExactly(Path.of("/sys/fs/bpf/a b"), Path.of("/sys/fs/bpf/c"));
        assertThat(r.ipEgressFilterPath()).isEmpty();
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nIPIngressFilterPath=rel\n"))
                .containsExactly("3: IPIngressFilterPath= path is not absolute, ignoring: rel");
    }

    @Test
    void bpfPrograms() {
        ResourceControl r = rc("BPFProgram=ingress:/sys/fs/bpf/x\nBPFProgram=egress::/sys/fs/bpf/y\n"
                + "BPFProgram=ingress:/sys/fs/bpf/x\nBPFProgram=bind4:/sys/fs/bpf/x\n");
        assertThat(r.bpfPrograms()).containsExactly(new ForeignProgram(BpfAttachType.INGRESS, Path.of("/sys/fs/bpf/x")),
                new ForeignProgram(BpfAttachType.EGRESS, Path.of("/sys/fs/bpf/y")),
                new ForeignProgram(BpfAttachType.BIND4, Path.of("/sys/fs/bpf/x")));
        assertThat(rc("BPFProgram=ingress:/sys/fs/bpf/x\nBPFProgram=\n").bpfPrograms()).isEmpty();
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nBPFProgram=bogus:/x\nBPFProgram=egress:relative\n"
                + "BPFProgram=ingress\nBPFProgram=ingress:\n")).containsExactly(
                        "3: Unknown BPF attach type=bogus, ignoring: bogus:/x",
                        "4: BPFProgram= path is not absolute, ignoring: relative",
                        "5: Invalid syntax in BPFProgram=, ignoring: ingress",
                        "6: Invalid syntax in BPFProgram=, ignoring: ingress:");
        for (BpfAttachType t : BpfAttachType.values()) {
            assertThat(rc("BPFProgram=" + t.systemdName() + ":/sys/fs/bpf/p\n").bpfPrograms()).singleElement()
                    .extracting(ForeignProgram::type).isEqualTo(t);
        }
    }

    @Test
    void socketBind() {
        ResourceControl r = rc("SocketBindAllow=ipv4:tcp:80\nSocketBindAllow=443\nSocketBindDeny=any\n");
        assertThat(r.socketBindAllow()).extracting(SocketBindRule::toString).containsExactly("ipv4:tcp:80", "443");
        assertThat(r.socketBindDeny()).containsExactly(SocketBindRule.ANY);
        assertThat(rc("SocketBindAllow=80\nSocketBindAllow=\n").socketBindAllow()).isEmpty();
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nSocketBindAllow=80 443\n"))
                .containsExactly("3: Unable to parse SocketBindAllow= assignment, ignoring: 80 443");
    }

    /**
     * systemd 252 accepts any number of rules while loading, then at start fails to set up the
     * socket-bind programs for more than 128 and runs the unit without them; tollgate refuses
     * the unit instead of failing open.
     */
    @Test
    void moreThan128SocketBindRulesFailTheUnit() {
        StringBuilder ok = new StringBuilder("[Service]\nExecStart=/bin/x\n");
        for (int i = 1; i <= 128; i++) {
            ok.append("SocketBindDeny=").append(i).append('\n');
        }
        assertThat(service(ok.toString()).resources().socketBindDeny()).hasSize(128);
        assertThat(failure("t.service", ok + "SocketBindDeny=129\n").reason())
                .contains("SocketBindDeny= has 129 rules, more than the 128 allowed. Refusing.");
    }

    @Test
    void delegate() {
        assertThat(rc("").delegate()).isEqualTo(Delegation.OFF);
        assertThat(rc("Delegate=yes\n").delegate()).isEqualTo(Delegation.ALL);
        assertThat(rc("Delegate=yes\nDelegate=no\n").delegate()).isEqualTo(Delegation.OFF);
        assertThat(rc("Delegate=\n").delegate()).isEqualTo(new Delegation.Controllers(new TreeSet<>()));
        assertThat(rc("Delegate=cpu\nDelegate=memory pids bogus\n").delegate())
                .isEqualTo(new Delegation.Controllers(new TreeSet<>(List.of("cpu", "memory", "pids"))));
        assertThat(rc("Delegate=yes\nDelegate=cpu\n").delegate()).isEqualTo(Delegation.ALL);
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nDelegate=cpu bogus\n"))
                .containsExactly("3: Invalid controller name 'bogus', ignoring");
    }

    @Test
    void slices() {
        SliceConfig s = slice("a-b-c.slice", "[Slice]\nIPAccounting=yes\nIPAddressDeny=any\n");
        assertThat(s.resources().ipAccounting()).isTrue();
        assertThat(s.parentSlice()).contains(UnitName.of("a-b.slice"));
        assertThat(slice("-.slice", "").parentSlice()).isEmpty();
        assertThat(messages("foo.slice", "[Slice]\nDelegate=yes\nSlice=bar.slice\n")).containsExactly(
                "2: Delegate= setting not supported for this unit type, ignoring.",
                "3: Failed to assign slice bar.slice to unit foo.slice, ignoring: Invalid argument");
        assertThat(failure("a--b.slice", "").reason()).isEqualTo("Slice name a--b.slice is not valid. Refusing.");
        assertThat(messages("x.slice", "[Service]\nExecStart=/bin/x\n")).containsExactly("1: Unknown section 'Service'. Ignoring.");
    }

    @Test
    void scopesAreNeverMade(@TempDir Path dir) throws Exception {
        // As systemd's scope_load(): a .scope file on disk is not loaded; the unit is not-found, and says why.
        Files.writeString(dir.resolve("session-1.scope"), "[Scope]\nSlice=user-1000.slice\nIPAccounting=yes\n");
        assertThat(new UnitLoader(List.of(dir), TestUnits.HOST).load("session-1.scope"))
                .isInstanceOfSatisfying(LoadResult.NotFound.class, n -> assertThat(n.diagnostics()).singleElement()
                        .hasToString("Scope units are never loaded from a unit file (systemd makes them only at run time;"
                                + " tollgate makes none)."));
        // Nor made at run time: a transient scope is refused with the reason, not half made.
        assertThat(TestUnits.load("session-1.scope", "[Scope]\nSlice=user-1000.slice\nIPAccounting=yes\nKillMode=mixed\n"))
                .isInstanceOfSatisfying(LoadResult.Failed.class, f -> assertThat(f.reason())
                        .isEqualTo("Unit session-1.scope cannot be created: tollgate makes no scopes (units of processes started elsewhere)."));
    }
}
