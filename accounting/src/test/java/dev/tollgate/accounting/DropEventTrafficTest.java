package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.RingBufferReader;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Drop events of real loopback traffic through {@link Accounting}, in every attach mode: UDP,
 * TCP connects and ICMP echo requests, both families, both directions, each event checked
 * field by field against what the test sent and the unit's drop counters; a flood held to the
 * rate with every other drop counted as suppressed; and the pinned ring taken over, unread
 * events and all, by a new Accounting as by a restarted daemon.
 */
@Privileged
class DropEventTrafficTest {
    private static final String UNIT = "dropper.service";
    private ScratchCgroup scratch;
    private Path bpffs;
    private Accounting acc;
    private RingBufferReader reader;
    private final List<AutoCloseable> open = new ArrayList<>();

    private void setUp(AttachMechanism mode) {
        scratch = ScratchCgroup.create("drops");
        bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
        acc = new Accounting(bpffs, mode);
        reader = RingBufferReader.open(acc.dropRing().orElseThrow());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        if (reader != null) reader.close();
        if (acc != null) acc.removeAll();
        if (scratch != null) scratch.close();
        if (bpffs != null) Pins.removeTree(bpffs);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private Path cgroup() {
        return scratch.child(UNIT);
    }

    /** Denies 127.0.0.2 and ::1: IPv4 traffic to the unit is on 127.0.0.1, IPv6 traffic is all denied. */
    private UnitDatapath start(DropEventRate rate) {
        return acc.start(new UnitPolicy(UNIT, cgroup(), true, Prefixes.rules(List.of(), List.of("127.0.0.2", "::1")),
                List.of(), null, List.of(), false, List.of(), rate));
    }

    private static long drops(CounterSums c) {
        return c.ingressDroppedPackets() + c.egressDroppedPackets();
    }

    private static long dropBytes(CounterSums c) {
        return c.ingressDroppedBytes() + c.egressDroppedBytes();
    }

    /**
     * Waits until the unit's events account for every drop since {@code before}, and returns
     * the new events; none may be suppressed here (the rate is far above what the test sends).
     */
    private List<DropRecord> eventsSince(UnitDatapath d, CounterSums before) throws Exception {
        List<DropRecord> got = new ArrayList<>();
        long want = drops(d.counters()) - drops(before);
        Await.until("events for " + want + " drops", () -> {
            reader.drain(Integer.MAX_VALUE, s -> got.add(DropRecord.decode(s)));
            return got.size() >= want;
        });
        assertThat(got).hasSize((int) want);
        assertThat(d.dropEventCounters().suppressed()).isZero();
        return got;
    }

    /** Checks every event against the flow; returns the count. Lengths are the dropped bytes' share. */
    private void expect(List<DropRecord> got, CounterSums before, UnitDatapath d, Direction dir, int protocol,
                        InetSocketAddress remote, InetSocketAddress local, Predicate<DropRecord> transport) {
        assertThat(got).isNotEmpty();
        long bytes = dropBytes(d.counters()) - dropBytes(before);
        long sum = 0;
        for (DropRecord e : got) {
            assertThat(e.unitId()).isEqualTo(d.eventUnitId());
            assertThat(acc.unitOfEvent(e.unitId())).contains(UNIT);
            assertThat(e.direction()).isEqualTo(dir);
            assertThat(e.family()).isEqualTo(remote.getAddress().getAddress().length == 4 ? 4 : 6);
            assertThat(e.protocol()).isEqualTo(protocol);
            assertThat(e.remote()).isEqualTo(remote.getAddress());
            assertThat(e.local()).isEqualTo(local.getAddress());
            assertThat(e).matches(transport, "transport fields");
            assertThat(e.ifindex()).isEqualTo(1); // lo
            sum += e.length();
        }
        assertThat(sum).isEqualTo(bytes);
    }

    private static Predicate<DropRecord> ports(InetSocketAddress remote, InetSocketAddress local) {
        return e -> e.remotePort() == remote.getPort() && e.localPort() == local.getPort();
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void udpTcpAndIcmpDropsInBothDirectionsAndFamilies(AttachMechanism mode) throws Exception {
        setUp(mode);
        UnitDatapath d = start(new DropEventRate(100_000, 100_000));
        for (String local : List.of("127.0.0.1", "::1")) {
            boolean v6 = local.equals("::1");
            String denied = v6 ? "::1" : "127.0.0.2";
            StandardProtocolFamily fam = v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;

            // UDP egress: the unit sends 3 datagrams of 100 bytes to a denied address.
            DatagramChannel unitUdp = keep(ScratchCgroup.inside(cgroup(),
                    () -> DatagramChannel.open(fam).bind(new InetSocketAddress(local, 0))));
            InetSocketAddress to = new InetSocketAddress(denied, 9);
            CounterSums before = d.counters();
            for (int i = 0; i < 3; i++) {
                try {
                    unitUdp.send(ByteBuffer.allocate(100), to);
                } catch (java.io.IOException refused) {
                    // EPERM: the drop
                }
            }
            List<DropRecord> got = eventsSince(d, before);
            assertThat(got).hasSize(3);
            expect(got, before, d, Direction.EGRESS, DropRecord.UDP, to, (InetSocketAddress) unitUdp.getLocalAddress(),
                    ports(to, (InetSocketAddress) unitUdp.getLocalAddress()));
            assertThat(got.getFirst().length()).isEqualTo((v6 ? 40 : 20) + 8 + 100);

            // UDP ingress: a sender outside the unit, on a denied address, to the unit's socket.
            DatagramChannel outside = keep(DatagramChannel.open(fam).bind(new InetSocketAddress(denied, 0)));
            before = d.counters();
            outside.send(ByteBuffer.allocate(50), unitUdp.getLocalAddress());
            outside.send(ByteBuffer.allocate(50), unitUdp.getLocalAddress());
            got = eventsSince(d, before);
            assertThat(got).hasSize(2);
            InetSocketAddress from = (InetSocketAddress) outside.getLocalAddress();
            expect(got, before, d, Direction.INGRESS, DropRecord.UDP, from, (InetSocketAddress) unitUdp.getLocalAddress(),
                    ports(from, (InetSocketAddress) unitUdp.getLocalAddress()));

            // TCP egress: the unit connects to a listener on a denied address; the SYN (and any
            // retransmission before the close) is dropped.
            ServerSocketChannel listener = keep(ServerSocketChannel.open(fam).bind(new InetSocketAddress(denied, 0)));
            SocketChannel unitTcp = ScratchCgroup.inside(cgroup(), () -> SocketChannel.open(fam));
            unitTcp.bind(new InetSocketAddress(local, 0));
            unitTcp.configureBlocking(false);
            before = d.counters();
            CounterSums b0 = before;
            try {
                unitTcp.connect(listener.getLocalAddress());
            } catch (java.io.IOException refused) {
                // EPERM straight from connect(2)
            }
            Await.until("the SYN dropped", () -> drops(d.counters()) > drops(b0));
            InetSocketAddress tcpLocal = (InetSocketAddress) unitTcp.getLocalAddress();
            unitTcp.close();
            got = eventsSince(d, before);
            expect(got, before, d, Direction.EGRESS, DropRecord.TCP, (InetSocketAddress) listener.getLocalAddress(), tcpLocal,
                    ports((InetSocketAddress) listener.getLocalAddress(), tcpLocal));

            // TCP ingress: a client on a denied address connects to the unit's listener.
            ServerSocketChannel unitListener = keep(ScratchCgroup.inside(cgroup(),
                    () -> ServerSocketChannel.open(fam).bind(new InetSocketAddress(local, 0))));
            SocketChannel client = SocketChannel.open(fam).bind(new InetSocketAddress(denied, 0));
            client.configureBlocking(false);
            before = d.counters();
            CounterSums b1 = before;
            client.connect(unitListener.getLocalAddress());
            Await.until("the SYN dropped on ingress", () -> d.counters().ingressDroppedPackets() > b1.ingressDroppedPackets());
            InetSocketAddress clientAddr = (InetSocketAddress) client.getLocalAddress();
            client.close();
            got = eventsSince(d, before);
            expect(got, before, d, Direction.INGRESS, DropRecord.TCP, clientAddr,
                    (InetSocketAddress) unitListener.getLocalAddress(),
                    ports(clientAddr, (InetSocketAddress) unitListener.getLocalAddress()));

            // ICMP egress: an echo request from the unit (the JDK pings with a raw socket as root).
            before = d.counters();
            InetAddress target = InetAddress.getByName(denied);
            ScratchCgroup.inside(cgroup(), () -> {
                try {
                    return target.isReachable(50);
                } catch (java.io.IOException refused) {
                    return false; // EPERM from sendto(2): the drop
                }
            });
            got = eventsSince(d, before);
            int echo = v6 ? 128 : 8;
            expect(got, before, d, Direction.EGRESS, v6 ? DropRecord.ICMPV6 : DropRecord.ICMP,
                    new InetSocketAddress(target, 0), new InetSocketAddress(local, 0), // the source lo picks
                    e -> e.icmpType() == echo && e.icmpCode() == 0);
        }
        assertThat(d.dropEventCounters().emitted()).isEqualTo(drops(d.counters()));
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void aFloodYieldsAtMostTheRatesWorthOfEventsAndCountsTheRestAsSuppressed(AttachMechanism mode) throws Exception {
        setUp(mode);
        UnitDatapath d = start(DropEventRate.DEFAULT);
        int packets = 100_000;
        DatagramChannel unitUdp = keep(ScratchCgroup.inside(cgroup(),
                () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0))));
        InetSocketAddress to = new InetSocketAddress("127.0.0.2", 9);
        List<DropRecord> got = new ArrayList<>();
        ByteBuffer payload = ByteBuffer.allocate(16);
        for (int i = 0; i < packets; i++) {
            try {
                unitUdp.send(payload.clear(), to);
            } catch (java.io.IOException refused) {
                // EPERM: the drop
            }
            // Read as the daemon does, while it happens (the ring holds ~7,000 events).
            if (i % 1000 == 0) reader.drain(Integer.MAX_VALUE, s -> got.add(DropRecord.decode(s)));
        }
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(packets);
        Await.until("every emitted event read", () -> {
            reader.drain(Integer.MAX_VALUE, s -> got.add(DropRecord.decode(s)));
            return got.size() >= d.dropEventCounters().emitted();
        });
        DropEventCounters c = d.dropEventCounters();
        assertThat(got).hasSize((int) c.emitted());
        assertThat(c.emitted() + c.suppressed()).isEqualTo(packets);
        long first = got.stream().mapToLong(DropRecord::monotonicNs).min().orElseThrow();
        long last = got.stream().mapToLong(DropRecord::monotonicNs).max().orElseThrow();
        // A full bucket lets the burst through, then one event per interval of the bpf clock.
        long bound = DropEventRate.DEFAULT.burst() + (last - first) / DropEventRate.DEFAULT.intervalNs() + 1;
        System.out.printf("flood: %d events, %d suppressed, over %.3f s of bpf time (bound %d)%n",
                c.emitted(), c.suppressed(), (last - first) / 1e9, bound);
        assertThat(c.emitted()).isBetween(DropEventRate.DEFAULT.burst(), bound);
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void aRestartedDaemonReadsTheEventsOfItsOutageFromThePinnedRing(AttachMechanism mode) throws Exception {
        setUp(mode);
        UnitDatapath d = start(new DropEventRate(1000, 1000));
        int unitId = d.eventUnitId();
        reader.close();
        reader = null;
        acc.close(); // the daemon goes; pins, programs and the ring stay
        DatagramChannel unitUdp = keep(ScratchCgroup.inside(cgroup(),
                () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0))));
        for (int i = 0; i < 5; i++) {
            try {
                unitUdp.send(ByteBuffer.allocate(10), new InetSocketAddress("127.0.0.2", 9));
            } catch (java.io.IOException refused) {
                // EPERM: the drop
            }
        }
        acc = new Accounting(bpffs, mode);
        UnitDatapath again = acc.adopt(new UnitPolicy(UNIT, cgroup(), true, Prefixes.rules(List.of(), List.of("127.0.0.2", "::1")),
                List.of(), null, List.of(), false, List.of(), new DropEventRate(1000, 1000))).orElseThrow();
        assertThat(again.eventUnitId()).isEqualTo(unitId);
        reader = RingBufferReader.open(acc.dropRing().orElseThrow());
        List<DropRecord> got = new ArrayList<>();
        reader.drain(Integer.MAX_VALUE, s -> got.add(DropRecord.decode(s)));
        assertThat(got).hasSize(5).allSatisfy(e -> {
            assertThat(e.unitId()).isEqualTo(unitId);
            assertThat(e.remotePort()).isEqualTo(9);
        });
        assertThat(acc.unitOfEvent(unitId)).contains(UNIT);
        assertThat(again.dropEventCounters()).isEqualTo(new DropEventCounters(5, 0));
    }

    private static void sendDenied(DatagramChannel ch, int n) {
        for (int i = 0; i < n; i++) {
            try {
                ch.send(ByteBuffer.allocate(10), new InetSocketAddress("127.0.0.2", 9));
            } catch (java.io.IOException refused) {
                // EPERM: the drop
            }
        }
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void aChangedRateIsAProgramSwapAndOffEmitsNothing(AttachMechanism mode) throws Exception {
        setUp(mode);
        UnitDatapath d = start(new DropEventRate(1, 2));
        int first = d.programIds().get("egress");
        DatagramChannel unitUdp = keep(ScratchCgroup.inside(cgroup(),
                () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0))));
        sendDenied(unitUdp, 5);
        List<DropRecord> got = new ArrayList<>();
        Await.until("5 drops accounted for", () -> {
            reader.drain(Integer.MAX_VALUE, s -> got.add(DropRecord.decode(s)));
            DropEventCounters c = d.dropEventCounters();
            return c.emitted() + c.suppressed() == 5 && got.size() == c.emitted();
        });
        long span = got.getLast().monotonicNs() - got.getFirst().monotonicNs();
        assertThat((long) got.size()).isBetween(2L, 2 + span / 1_000_000_000L + 1);

        // Off: a new program without event code; drops are counted, nothing is reported or suppressed.
        DropEventCounters before = d.dropEventCounters();
        acc.update(new UnitPolicy(UNIT, cgroup(), true, Prefixes.rules(List.of(), List.of("127.0.0.2", "::1")),
                List.of(), null, List.of(), false, List.of(), DropEventRate.OFF));
        int second = d.programIds().get("egress");
        assertThat(second).isNotEqualTo(first);
        sendDenied(unitUdp, 3);
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(8);
        assertThat(d.dropEventCounters()).isEqualTo(before);
        assertThat(reader.pending()).isZero();

        // On again, at a higher rate: every drop reported, the counts carry on.
        acc.update(new UnitPolicy(UNIT, cgroup(), true, Prefixes.rules(List.of(), List.of("127.0.0.2", "::1")),
                List.of(), null, List.of(), false, List.of(), new DropEventRate(1000, 1000)));
        assertThat(d.programIds().get("egress")).isNotIn(first, second);
        sendDenied(unitUdp, 3);
        List<DropRecord> more = new ArrayList<>();
        Await.until("3 more events", () -> {
            reader.drain(Integer.MAX_VALUE, s -> more.add(DropRecord.decode(s)));
            return more.size() >= 3;
        });
        assertThat(more).hasSize(3);
        assertThat(d.dropEventCounters()).isEqualTo(new DropEventCounters(before.emitted() + 3, before.suppressed()));
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(11);
    }
}
