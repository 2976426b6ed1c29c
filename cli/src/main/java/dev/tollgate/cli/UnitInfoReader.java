package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.varlink.VarlinkJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code UnitInfo} read field by field ({@link UnitInfo.Builder#read}), from the JSON tree of a
 * ListUnits reply or from a streaming parser (for {@link UnitClient}), not through Jackson's
 * data binding, which costs a cold JVM tens of milliseconds; a test checks the reader against
 * the data binding.
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
        ObjectNode reply = client.varlink().call(ManagerInterface.LIST_UNITS, params);
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
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            b.read(field, p);
        }
        if (!b.isComplete()) {
            throw new IllegalStateException("a unit without name, type or activeState");
        }
        return b.build();
    }
}
