package dev.tollgate.api;

import dev.tollgate.api.Messages.EnableUnitReply;
import dev.tollgate.api.Messages.GetCountersReply;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetMetricsReply;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.GetUnitReply;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.GetUnitsReply;
import dev.tollgate.api.Messages.GetUnitsRequest;
import dev.tollgate.api.Messages.ListUnitFilesReply;
import dev.tollgate.api.Messages.ListUnitFilesRequest;
import dev.tollgate.api.Messages.ListUnitsReply;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.Messages.ReloadReply;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.SubscribeReply;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.api.Messages.UnitFileChangesReply;
import dev.tollgate.api.Messages.UnitRequest;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.varlink.NotRunningException;
import dev.tollgate.varlink.ReplyStream;
import dev.tollgate.varlink.ServiceInfo;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A typed client of {@code io.tollgate.Manager}: one Java method per Varlink method. Errors come
 * as {@link VarlinkException}; {@link ManagerError#from(VarlinkException)} types them. A daemon
 * that does not run shows as {@link NotRunningException} from {@link #connect}.
 *
 * <pre>{@code
 * try (ManagerClient tollgate = ManagerClient.connect(ManagerInterface.DEFAULT_SOCKET)) {
 *     UnitInfo web = tollgate.getUnit("web.service");
 * }
 * }</pre>
 */
public final class ManagerClient implements AutoCloseable {
    private final VarlinkClient client;

    private ManagerClient(VarlinkClient client) {
        this.client = client;
    }

    /** Connects to tollgated's default socket. */
    public static ManagerClient connect() throws IOException {
        return connect(ManagerInterface.DEFAULT_SOCKET);
    }

    /** @throws NotRunningException when nothing serves the socket */
    public static ManagerClient connect(Path socket) throws IOException {
        return new ManagerClient(VarlinkClient.connect(socket));
    }

    public static ManagerClient connect(Path socket, VarlinkClient.Options options) throws IOException {
        return new ManagerClient(VarlinkClient.connect(socket, options));
    }

    /** Over an existing connection. */
    public static ManagerClient over(VarlinkClient client) {
        return new ManagerClient(client);
    }

    /** The underlying connection, for raw calls. */
    public VarlinkClient varlink() {
        return client;
    }

    public List<UnitInfo> listUnits(ListUnitsRequest request) throws IOException {
        return client.call(ManagerInterface.LIST_UNITS, request, ListUnitsReply.class).units();
    }

    /** Units of these types (null: all) in these states (null: all); inactive ones too with {@code all}. */
    public List<UnitInfo> listUnits(List<UnitType> types, List<String> states, boolean all) throws IOException {
        return listUnits(new ListUnitsRequest(types, states, all ? Boolean.TRUE : null));
    }

    public UnitInfo getUnit(String name) throws IOException {
        return client.call(ManagerInterface.GET_UNIT, new GetUnitRequest(name), GetUnitReply.class).unit();
    }

    /** One unit per name, in order; names tollgated does not know come back as not-found units. */
    public List<UnitInfo> getUnits(List<String> names) throws IOException {
        return client.call(ManagerInterface.GET_UNITS, new GetUnitsRequest(names), GetUnitsReply.class).units();
    }

    /** The unit files matching one of {@code patterns} (null: all) in one of {@code states} (null: all). */
    public List<UnitFile> listUnitFiles(List<String> patterns, List<String> states) throws IOException {
        return client.call(ManagerInterface.LIST_UNIT_FILES, new ListUnitFilesRequest(patterns, states), ListUnitFilesReply.class).unitFiles();
    }

    /** Counters of these units and slices, read at one moment; null for every one with accounting. */
    public List<CounterSample> getCounters(List<String> names) throws IOException {
        return client.call(ManagerInterface.GET_COUNTERS, new GetCountersRequest(names), GetCountersReply.class).samples();
    }

    public UnitStateReply startUnit(String name) throws IOException {
        return client.call(ManagerInterface.START_UNIT, new UnitRequest(name), UnitStateReply.class);
    }

    public UnitStateReply stopUnit(String name) throws IOException {
        return client.call(ManagerInterface.STOP_UNIT, new UnitRequest(name), UnitStateReply.class);
    }

    public UnitStateReply restartUnit(String name) throws IOException {
        return client.call(ManagerInterface.RESTART_UNIT, new UnitRequest(name), UnitStateReply.class);
    }

    /** daemon-reload; returns what reading the unit files found. */
    public List<Diagnostic> reload() throws IOException {
        return client.call(ManagerInterface.RELOAD, null, ReloadReply.class).diagnostics();
    }

    public RunTransientReply runTransient(RunTransientRequest request) throws IOException {
        return client.call(ManagerInterface.RUN_TRANSIENT, request, RunTransientReply.class);
    }

    /** The links made, and whether the unit has an [Install] section at all. */
    public EnableUnitReply enableUnit(String name) throws IOException {
        return client.call(ManagerInterface.ENABLE_UNIT, new UnitRequest(name), EnableUnitReply.class);
    }

    public List<UnitFileChange> disableUnit(String name) throws IOException {
        return client.call(ManagerInterface.DISABLE_UNIT, new UnitRequest(name), UnitFileChangesReply.class).changes();
    }

    public GetUnitFileReply getUnitFile(String name) throws IOException {
        return client.call(ManagerInterface.GET_UNIT_FILE, new UnitRequest(name), GetUnitFileReply.class);
    }

    public ProbeReply probe() throws IOException {
        return client.call(ManagerInterface.PROBE, null, ProbeReply.class);
    }

    /** The Prometheus text. */
    public String getMetrics() throws IOException {
        return client.call(ManagerInterface.GET_METRICS, null, GetMetricsReply.class).text();
    }

    /** The manager's state (systemctl is-system-running): one small call, for polling until the boot is done. */
    public SystemState getSystemState() throws IOException {
        return client.call(ManagerInterface.GET_SYSTEM_STATE, null, Messages.GetSystemStateReply.class).state();
    }

    /**
     * The Subscribe stream: a snapshot, then events. It holds this connection until closed;
     * closing it closes the connection (Varlink has no other way to end a stream).
     */
    public ReplyStream<SubscribeReply> subscribe(SubscribeRequest request) throws IOException {
        return client.callMore(ManagerInterface.SUBSCRIBE, request, SubscribeReply.class);
    }

    /** The recent drop events (and each unit's counts) of these units (all when empty), since a CLOCK_REALTIME microsecond. */
    public Messages.GetDropsReply getDrops(List<String> units, Long since) throws IOException {
        return client.call(ManagerInterface.GET_DROPS, new Messages.DropsRequest(units == null || units.isEmpty() ? null : units, since),
                Messages.GetDropsReply.class);
    }

    /** The WatchDrops stream; holds this connection until closed, as {@link #subscribe} does. */
    public ReplyStream<Messages.WatchDropsReply> watchDrops(List<String> units, Long since) throws IOException {
        return client.callMore(ManagerInterface.WATCH_DROPS, new Messages.DropsRequest(units == null || units.isEmpty() ? null : units, since),
                Messages.WatchDropsReply.class);
    }

    /** vendor, product, version, url and interfaces of the daemon. */
    public ServiceInfo getInfo() throws IOException {
        return client.getInfo();
    }

    @Override
    public void close() {
        client.close();
    }
}
