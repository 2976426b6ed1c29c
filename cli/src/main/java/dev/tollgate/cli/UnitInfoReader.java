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

    static UnitInfo unit(JsonNode u) {
        if (u == null || !u.isObject()) {
            throw new IllegalStateException("a reply without a unit object");
        }
        return new UnitInfo(
                text(u, "name"),
                UnitType.fromWire(text(u, "type")),
                text(u, "description"),
                text(u, "loadState"),
                ActiveState.fromWire(text(u, "activeState")),
                text(u, "subState"),
                text(u, "result"),
                text(u, "fragmentPath"),
                strings(u, "dropInPaths"),
                text(u, "unitFileState"),
                u.hasNonNull("mainPID") ? u.get("mainPID").intValue() : null,
                ints(u, "pids"),
                text(u, "controlGroup"),
                text(u, "slice"),
                u.hasNonNull("activeEnterTimestamp") ? u.get("activeEnterTimestamp").longValue() : null,
                u.path("ipAccounting").asBoolean(false),
                strings(u, "ipAddressAllow"),
                strings(u, "ipAddressDeny"),
                u.hasNonNull("attachMode") ? AttachMode.fromWire(text(u, "attachMode")) : null,
                u.path("delegate").asBoolean(false),
                counters(u.get("counters")),
                text(u, "lastError"),
                u.hasNonNull("execMainPID") ? u.get("execMainPID").intValue() : null,
                text(u, "execMainCode"),
                u.hasNonNull("execMainStatus") ? u.get("execMainStatus").intValue() : null,
                text(u, "restrictNetworkInterfaces"));
    }

    /**
     * The unit object the parser is at (its START_OBJECT), read token by token up to its
     * END_OBJECT: for {@link UnitClient}, which has no tree and no ObjectMapper.
     */
    static UnitInfo unit(JsonParser p) throws IOException {
        String name = null;
        String type = null;
        String description = null;
        String loadState = null;
        String activeState = null;
        String subState = null;
        String result = null;
        String fragmentPath = null;
        List<String> dropInPaths = List.of();
        String unitFileState = null;
        Integer mainPID = null;
        List<Integer> pids = List.of();
        String controlGroup = null;
        String slice = null;
        Long activeEnterTimestamp = null;
        boolean ipAccounting = false;
        List<String> allow = List.of();
        List<String> deny = List.of();
        String attachMode = null;
        boolean delegate = false;
        Counters counters = null;
        String lastError = null;
        Integer execMainPID = null;
        String execMainCode = null;
        Integer execMainStatus = null;
        String restrictNetworkInterfaces = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "name" -> name = p.getText();
                case "type" -> type = p.getText();
                case "description" -> description = p.getText();
                case "loadState" -> loadState = p.getText();
                case "activeState" -> activeState = p.getText();
                case "subState" -> subState = p.getText();
                case "result" -> result = p.getText();
                case "fragmentPath" -> fragmentPath = p.getText();
                case "dropInPaths" -> dropInPaths = strings(p);
                case "unitFileState" -> unitFileState = p.getText();
                case "mainPID" -> mainPID = p.getIntValue();
                case "pids" -> pids = ints(p);
                case "controlGroup" -> controlGroup = p.getText();
                case "slice" -> slice = p.getText();
                case "activeEnterTimestamp" -> activeEnterTimestamp = p.getLongValue();
                case "ipAccounting" -> ipAccounting = p.getBooleanValue();
                case "ipAddressAllow" -> allow = strings(p);
                case "ipAddressDeny" -> deny = strings(p);
                case "attachMode" -> attachMode = p.getText();
                case "delegate" -> delegate = p.getBooleanValue();
                case "counters" -> counters = counters(p);
                case "lastError" -> lastError = p.getText();
                case "execMainPID" -> execMainPID = p.getIntValue();
                case "execMainCode" -> execMainCode = p.getText();
                case "execMainStatus" -> execMainStatus = p.getIntValue();
                case "restrictNetworkInterfaces" -> restrictNetworkInterfaces = p.getText();
                default -> p.skipChildren();
            }
        }
        if (name == null || type == null || activeState == null) {
            throw new IllegalStateException("a unit without name, type or activeState");
        }
        return new UnitInfo(name, UnitType.fromWire(type), description, loadState, ActiveState.fromWire(activeState), subState,
                result, fragmentPath, dropInPaths, unitFileState, mainPID, pids, controlGroup, slice, activeEnterTimestamp,
                ipAccounting, allow, deny, attachMode == null ? null : AttachMode.fromWire(attachMode), delegate, counters,
                lastError, execMainPID, execMainCode, execMainStatus, restrictNetworkInterfaces);
    }

    private static Counters counters(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        long[] v = new long[8];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            int i = switch (field) {
                case "ingressBytes" -> 0;
                case "ingressPackets" -> 1;
                case "egressBytes" -> 2;
                case "egressPackets" -> 3;
                case "ingressDroppedBytes" -> 4;
                case "ingressDroppedPackets" -> 5;
                case "egressDroppedBytes" -> 6;
                case "egressDroppedPackets" -> 7;
                default -> -1;
            };
            if (i >= 0) {
                v[i] = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return new Counters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
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

    static Counters counters(JsonNode c) {
        if (c == null || !c.isObject()) {
            return null;
        }
        return new Counters(c.path("ingressBytes").longValue(), c.path("ingressPackets").longValue(),
                c.path("egressBytes").longValue(), c.path("egressPackets").longValue(),
                c.path("ingressDroppedBytes").longValue(), c.path("ingressDroppedPackets").longValue(),
                c.path("egressDroppedBytes").longValue(), c.path("egressDroppedPackets").longValue());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            out.add(e.asText());
        }
        return out;
    }

    private static List<Integer> ints(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            out.add(e.intValue());
        }
        return out;
    }
}
