package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.Counters;
import dev.tollgate.api.Manager;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import dev.tollgate.varlink.VarlinkJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code UnitInfo} read field by field, from the JSON tree of a ListUnits reply or from a
 * streaming parser (for {@link UnitClient}), not through Jackson's data binding: binding a
 * record the first time introspects it by reflection, which costs a cold JVM tens of
 * milliseconds. The fields are those of the interface description's {@code UnitInfo}; a test
 * checks both readers against the data binding.
 */
final class UnitInfoReader {
    private UnitInfoReader() {}

    static List<UnitInfo> listUnits(ManagerClient client, List<String> types, List<String> states, boolean all)
            throws IOException {
        ObjectNode params = VarlinkJson.object();
        if (types != null) {
            params.putArray("types").addAll(types.stream().map(params::textNode).toList());
        }
        if (states != null) {
            params.putArray("states").addAll(states.stream().map(params::textNode).toList());
        }
        if (all) {
            params.put("all", true);
        }
        ObjectNode reply = client.varlink().call(Manager.LIST_UNITS, params);
        List<UnitInfo> units = new ArrayList<>();
        JsonNode list = reply.get("units");
        if (list != null) {
            for (JsonNode u : list) {
                units.add(unit(u));
            }
        }
        return units;
    }

    /** A unit object of a reply's tree, read by the same reader as the streamed ones. */
    static UnitInfo unit(JsonNode u) {
        if (u == null || !u.isObject()) {
            throw new IllegalStateException("a reply without a unit object");
        }
        try (JsonParser p = u.traverse()) {
            p.nextToken();
            return unit(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read a unit object: " + e.getMessage(), e);
        }
    }

    /**
     * The unit object the parser is at (its START_OBJECT), read token by token up to its
     * END_OBJECT: for {@link UnitClient}, which has no tree and no ObjectMapper. Fields it does
     * not know are skipped (a newer daemon's).
     */
    static UnitInfo unit(JsonParser p) throws IOException {
        UnitInfo.Builder b = UnitInfo.builder(null, null, null).loadState(null).subState(null);
        String name = null;
        String type = null;
        String activeState = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "name" -> name = p.getText();
                case "type" -> type = p.getText();
                case "description" -> b.description(p.getText());
                case "loadState" -> b.loadState(p.getText());
                case "activeState" -> activeState = p.getText();
                case "subState" -> b.subState(p.getText());
                case "result" -> b.result(p.getText());
                case "fragmentPath" -> b.fragmentPath(p.getText());
                case "dropInPaths" -> b.dropInPaths(strings(p));
                case "unitFileState" -> b.unitFileState(p.getText());
                case "mainPID" -> b.mainPID(p.getIntValue());
                case "pids" -> b.pids(ints(p));
                case "controlGroup" -> b.controlGroup(p.getText());
                case "slice" -> b.slice(p.getText());
                case "activeEnterTimestamp" -> b.activeEnterTimestamp(p.getLongValue());
                case "ipAccounting" -> b.ipAccounting(p.getBooleanValue());
                case "ipAddressAllow" -> b.ipAddressAllow(strings(p));
                case "ipAddressDeny" -> b.ipAddressDeny(strings(p));
                case "attachMode" -> b.attachMode(AttachMode.fromWire(p.getText()));
                case "delegate" -> b.delegate(p.getBooleanValue());
                case "counters" -> b.counters(counters(p));
                case "lastError" -> b.lastError(p.getText());
                case "execMainPID" -> b.execMainPID(p.getIntValue());
                case "execMainCode" -> b.execMainCode(p.getText());
                case "execMainStatus" -> b.execMainStatus(p.getIntValue());
                case "restrictNetworkInterfaces" -> b.restrictNetworkInterfaces(p.getText());
                default -> p.skipChildren();
            }
        }
        if (name == null || type == null || activeState == null) {
            throw new IllegalStateException("a unit without name, type or activeState");
        }
        return b.name(name).type(UnitType.fromWire(type)).activeState(ActiveState.fromWire(activeState)).build();
    }

    /** A {@code Counters} object, by name; null for anything else. */
    static Counters counters(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        Counters.Builder c = Counters.builder();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "ingressBytes" -> c.ingressBytes(p.getLongValue());
                case "ingressPackets" -> c.ingressPackets(p.getLongValue());
                case "egressBytes" -> c.egressBytes(p.getLongValue());
                case "egressPackets" -> c.egressPackets(p.getLongValue());
                case "ingressDroppedBytes" -> c.ingressDroppedBytes(p.getLongValue());
                case "ingressDroppedPackets" -> c.ingressDroppedPackets(p.getLongValue());
                case "egressDroppedBytes" -> c.egressDroppedBytes(p.getLongValue());
                case "egressDroppedPackets" -> c.egressDroppedPackets(p.getLongValue());
                default -> p.skipChildren();
            }
        }
        return c.build();
    }

    private static List<String> strings(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getText());
        }
        return out;
    }

    private static List<Integer> ints(JsonParser p) throws IOException {
        List<Integer> out = new ArrayList<>();
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getIntValue());
        }
        return out;
    }
}
