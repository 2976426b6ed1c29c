package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.varlink.VarlinkJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The canned replies of the AOT training run are what tollgated would answer: they read back as units. */
class AotTrainingTest {
    private static byte[] reply(String method, String names) {
        return AotTraining.reply("{\"method\":\"" + method + "\",\"parameters\":{" + names + "}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void cannedRepliesAreValidAndFitTheInterface() throws Exception {
        List<UnitInfo> shown = UnitClient.readUnits(reply(ManagerInterface.GET_UNITS, "\"names\":[\"web.service\"]"));
        assertThat(shown).extracting(UnitInfo::name).containsExactly("web.service");
        List<UnitInfo> missing = UnitClient.readUnits(reply(ManagerInterface.GET_UNITS, "\"names\":[\"missing.service\"]"));
        assertThat(missing).containsExactly(UnitNames.notFound("missing.service"));
        assertThat(missing.getFirst().activeState()).isEqualTo(ActiveState.INACTIVE);
        assertThat(UnitClient.read(reply(ManagerInterface.GET_UNIT, "\"name\":\"web.service\""))).isEqualTo(shown.getFirst());
        assertThat(UnitClient.read(reply(ManagerInterface.GET_UNIT, "\"name\":\"missing.service\""))).isNull();
        for (String method : List.of(ManagerInterface.GET_UNITS, ManagerInterface.GET_UNIT, ManagerInterface.LIST_UNITS)) {
            String params = method.equals(ManagerInterface.GET_UNITS) ? "\"names\":[\"web.service\"]" : "\"name\":\"web.service\"";
            var parameters = VarlinkJson.mapper().readTree(reply(method, params)).get("parameters");
            String name = method.substring(ManagerInterface.INTERFACE.length() + 1);
            assertThat(ManagerInterface.description().checkOutput(name, (com.fasterxml.jackson.databind.node.ObjectNode) parameters))
                    .as(method).isEmpty();
        }
    }
}
