package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.varlink.VarlinkJson;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The property table and the field-by-field reader keep up with the record's components. */
class UnitInfoTest {
    /** Samples.WEB sets every component (ManagerInterfaceTest checks it against the description). */
    @Test
    void builderReadReadsEveryComponentOnTheWire() throws Exception {
        for (UnitInfo u : new UnitInfo[] {Samples.WEB, Samples.SLICE}) {
            try (JsonParser p = VarlinkJson.mapper().valueToTree(u).traverse()) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                UnitInfo.Builder b = UnitInfo.builder(null, null, null);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    b.read(field, p);
                }
                assertThat(b.isComplete()).isTrue();
                assertThat(b.build()).isEqualTo(u);
            }
        }
    }

    @Test
    void toBuilderKeepsEveryComponent() {
        assertThat(Samples.WEB.toBuilder().build()).isEqualTo(Samples.WEB);
    }

    @Test
    void everyPropertyHasItsOwnSystemdNameAndAValue() {
        assertThat(Arrays.stream(UnitInfo.Property.values()).map(UnitInfo.Property::systemdName).distinct())
                .hasSize(UnitInfo.Property.values().length);
        for (UnitInfo.Property p : UnitInfo.Property.values()) {
            Object v = p.value(Samples.WEB);
            assertThat(v).as(p.systemdName()).isNotNull();
        }
        assertThat(UnitInfo.Property.CONTROL_GROUP_ID.value(Samples.WEB)).isEqualTo(4711L);
        assertThat(UnitInfo.Property.CONTROL_GROUP_ID.value(Samples.SLICE)).isNull();
    }
}
