package dev.tollgate.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.GetUnitsRequest;
import dev.tollgate.api.Messages.ListUnitFilesRequest;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.api.Messages.UnitRequest;
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.MethodHandler;
import dev.tollgate.varlink.OrgVarlinkService;
import dev.tollgate.varlink.VarlinkServer;
import java.util.Objects;

/**
 * Serves {@code io.tollgate.Manager} with a {@link ManagerService}: decodes each call's
 * parameters into its request record (a mismatch is {@code InvalidParameter}) and returns the
 * service's reply record.
 *
 * <pre>{@code
 * VarlinkServer server = ManagerHandler.register(VarlinkServer.builder(socket), service)
 *         .info("tollgate", "tollgated", version, "https://tollgate.dev/")
 *         .start();
 * }</pre>
 */
public final class ManagerHandler implements MethodHandler {
    private final ManagerService service;

    public ManagerHandler(ManagerService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /**
     * Adds {@code io.tollgate.Manager}, served by {@code service}, to a server being built, as the
     * interface of the server's own errors (it declares {@link VarlinkServer#SERVER_ERRORS}).
     */
    public static VarlinkServer.Builder register(VarlinkServer.Builder builder, ManagerService service) {
        return builder.add(ManagerInterface.description(), new ManagerHandler(service))
                .errorInterface(ManagerInterface.INTERFACE);
    }

    @Override
    public Object handle(CallContext ctx, String method, ObjectNode p) {
        return switch (method) {
            case "ListUnits" -> service.listUnits(ctx, MethodHandler.parameters(p, ListUnitsRequest.class));
            case "GetUnit" -> service.getUnit(ctx, MethodHandler.parameters(p, GetUnitRequest.class));
            case "GetUnits" -> service.getUnits(ctx, MethodHandler.parameters(p, GetUnitsRequest.class));
            case "ListUnitFiles" -> service.listUnitFiles(ctx, MethodHandler.parameters(p, ListUnitFilesRequest.class));
            case "GetCounters" -> service.getCounters(ctx, MethodHandler.parameters(p, GetCountersRequest.class));
            case "StartUnit" -> service.startUnit(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "StopUnit" -> service.stopUnit(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "RestartUnit" -> service.restartUnit(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "Reload" -> service.reload(ctx);
            case "RunTransient" -> service.runTransient(ctx, MethodHandler.parameters(p, RunTransientRequest.class));
            case "EnableUnit" -> service.enableUnit(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "DisableUnit" -> service.disableUnit(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "GetUnitFile" -> service.getUnitFile(ctx, MethodHandler.parameters(p, UnitRequest.class));
            case "Probe" -> service.probe(ctx);
            case "GetMetrics" -> service.getMetrics(ctx);
            case "GetSystemState" -> service.getSystemState(ctx);
            case "Subscribe" -> service.subscribe(ctx, MethodHandler.parameters(p, SubscribeRequest.class), new Replies<>(ctx.sink()));
            case "GetDrops" -> service.getDrops(ctx, MethodHandler.parameters(p, Messages.DropsRequest.class));
            case "WatchDrops" -> service.watchDrops(ctx, MethodHandler.parameters(p, Messages.DropsRequest.class),
                    new Replies<>(ctx.sink()));
            default -> throw OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
        };
    }
}
