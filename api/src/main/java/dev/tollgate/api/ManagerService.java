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
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.OrgVarlinkService;
import dev.tollgate.varlink.VarlinkException;

/**
 * What the daemon implements to serve {@code io.tollgate.Manager}: one Java method per Varlink
 * method, typed. {@link ManagerHandler} decodes calls, calls these, and encodes the replies.
 * Throw {@link ManagerError}{@code .toException()} (or any {@link VarlinkException}) to answer
 * with an error. Authorization is the implementation's: {@code ctx.peer()} says who calls, and
 * {@link Manager#isChange} which methods change something.
 *
 * <p>Every method has a default that answers {@code org.varlink.service.MethodNotImplemented},
 * so an implementation can grow method by method.
 */
public interface ManagerService {

    default ListUnitsReply listUnits(CallContext ctx, ListUnitsRequest request) {
        throw notImplemented(ctx);
    }

    default GetUnitReply getUnit(CallContext ctx, GetUnitRequest request) {
        throw notImplemented(ctx);
    }

    default GetUnitsReply getUnits(CallContext ctx, GetUnitsRequest request) {
        throw notImplemented(ctx);
    }

    default ListUnitFilesReply listUnitFiles(CallContext ctx, ListUnitFilesRequest request) {
        throw notImplemented(ctx);
    }

    default GetCountersReply getCounters(CallContext ctx, GetCountersRequest request) {
        throw notImplemented(ctx);
    }

    default UnitStateReply startUnit(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default UnitStateReply stopUnit(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default UnitStateReply restartUnit(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default ReloadReply reload(CallContext ctx) {
        throw notImplemented(ctx);
    }

    default RunTransientReply runTransient(CallContext ctx, RunTransientRequest request) {
        throw notImplemented(ctx);
    }

    default EnableUnitReply enableUnit(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default UnitFileChangesReply disableUnit(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default GetUnitFileReply getUnitFile(CallContext ctx, UnitRequest request) {
        throw notImplemented(ctx);
    }

    default ProbeReply probe(CallContext ctx) {
        throw notImplemented(ctx);
    }

    default GetMetricsReply getMetrics(CallContext ctx) {
        throw notImplemented(ctx);
    }

    default Messages.GetSystemStateReply getSystemState(CallContext ctx) {
        throw notImplemented(ctx);
    }

    /**
     * The Subscribe stream (always called with {@code more}): send the snapshot and then events
     * through {@code replies}, and return when {@code replies} is cancelled (the client hung up,
     * or the server stops), or earlier with a last reply (null when cancelled). Block here; the
     * connection has its own virtual thread.
     */
    default SubscribeReply subscribe(CallContext ctx, SubscribeRequest request, Replies<SubscribeReply> replies) {
        throw notImplemented(ctx);
    }

    default dev.tollgate.api.Messages.GetDropsReply getDrops(CallContext ctx, dev.tollgate.api.Messages.DropsRequest request) {
        throw notImplemented(ctx);
    }

    /** The WatchDrops stream (always called with {@code more}): blocks as {@link #subscribe} does. */
    default dev.tollgate.api.Messages.WatchDropsReply watchDrops(CallContext ctx, dev.tollgate.api.Messages.DropsRequest request,
                                                                 Replies<dev.tollgate.api.Messages.WatchDropsReply> replies) {
        throw notImplemented(ctx);
    }

    private static VarlinkException notImplemented(CallContext ctx) {
        return OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
    }
}
