package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import dev.tollgate.varlink.VarlinkException;
import dev.tollgate.varlink.VarlinkJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both hand-written readers give what Jackson's data binding gives, for full and for sparse units. */
class UnitInfoReaderTest {
    private static final UnitInfo[] UNITS = {Units.web(), UnitInfo.inactive("x.slice", UnitType.SLICE, "X"),
            Units.withoutAccounting(Units.web(), null), Units.unit("bad.service", "-.slice", ActiveState.FAILED, false, null),
            UnitInfo.builder("gone.service", UnitType.SERVICE, "gone.service").activeState(ActiveState.FAILED)
                    .subState("failed").result("exit-code").lastError("exit-code, status 203").execMainPID(4100)
                    .execMainCode("exited").execMainStatus(203).build()};

    @Test
    void theTreeReaderReadsWhatDataBindingReads() throws Exception {
        for (UnitInfo u : UNITS) {
            JsonNode wire = VarlinkJson.mapper().valueToTree(u);
            assertThat(UnitInfoReader.unit(wire)).isEqualTo(VarlinkJson.mapper().treeToValue(wire, UnitInfo.class)).isEqualTo(u);
        }
    }

    @Test
    void theStreamingReaderReadsAGetUnitReply() throws Exception {
        for (UnitInfo u : UNITS) {
            String reply = "{\"parameters\":{\"unit\":" + VarlinkJson.mapper().writeValueAsString(u) + ",\"x.extra\":{\"a\":[1]}}}";
            assertThat(UnitClient.read(reply.getBytes(StandardCharsets.UTF_8))).isEqualTo(u);
        }
    }

    @Test
    void noSuchUnitIsNullOtherErrorsAreThrown() throws Exception {
        assertThat(UnitClient.read("{\"parameters\":{\"name\":\"x.service\"},\"error\":\"io.tollgate.Manager.NoSuchUnit\"}"
                .getBytes(StandardCharsets.UTF_8))).isNull();
        assertThatThrownBy(() -> UnitClient.read("{\"parameters\":{\"message\":\"boom\"},\"error\":\"io.tollgate.Manager.InternalError\"}"
                .getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(VarlinkException.class,
                e -> assertThat(e.error().text("message")).isEqualTo("boom"));
    }
}
