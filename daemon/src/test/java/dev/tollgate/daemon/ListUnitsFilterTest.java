package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ListUnits filters on the published states before it reads any unit's live figures: the units
 * it lists are the same as when every unit was projected in full and then filtered, and a unit
 * it leaves out costs no cgroup read.
 */
class ListUnitsFilterTest {
    private final Harness h = new Harness();

    @AfterEach
    void cleanUp() throws Exception {
        h.close();
    }

    /** The filter as ListUnits applied it to full statuses before: the reference. */
    private static boolean listedFromFullStatus(ListUnitsRequest r, UnitInfo s) {
        boolean all = r.all() != null && r.all();
        if (r.types() != null && !r.types().isEmpty() && !r.types().contains(s.type())) return false;
        if (r.states() != null && !r.states().isEmpty()) {
            return r.states().contains(s.activeState().wireName()) || r.states().contains(s.subState())
                    || r.states().contains(s.loadState());
        }
        return !(!all && s.activeState() == ActiveState.INACTIVE && !"not-found".equals(s.loadState())
                && "loaded".equals(s.loadState()));
    }

    private void unitsInEveryState() {
        h.unit("work.slice", "[Slice]\n");
        h.unit("idle.slice", "[Slice]\n");
        h.service("running.service", "Slice=work.slice", "ExecStart=/bin/run");
        h.service("failed.service", "ExecStart=/bin/fail");
        h.service("stopped.service", "ExecStart=/bin/run");
        h.service("never.service", "ExecStart=/bin/run");
        h.service("done.service", "Type=oneshot", "RemainAfterExit=yes", "ExecStart=/bin/ok");
        h.unit("broken.service", "[Service]\nUser=nobody\n");
        h.launcher.scripts.put("/bin/fail", new Fakes.Script.Exits(1));
        h.launcher.scripts.put("/bin/ok", new Fakes.Script.Exits(0));
        h.start("running.service");
        h.start("stopped.service");
        h.stop("stopped.service");
        h.done(h.manager().startAsync("failed.service"));
        h.settle();
        h.start("done.service");
        h.manager().statusLoading("broken.service");
        assertThat(h.state("running.service")).isEqualTo("active/running/success");
        assertThat(h.state("failed.service")).startsWith("failed/failed/");
        assertThat(h.state("done.service")).isEqualTo("active/exited/success");
    }

    @Test
    void theUnitsListedAreThoseFilteredFromTheFullStatus() {
        unitsInEveryState();
        List<List<UnitType>> types = Arrays.asList(null, List.of(), List.of(UnitType.SERVICE), List.of(UnitType.SLICE),
                List.of(UnitType.SERVICE, UnitType.SLICE));
        List<List<String>> states = Arrays.asList(null, List.of(), List.of("inactive"), List.of("active"), List.of("running"),
                List.of("failed"), List.of("dead", "exited"), List.of("loaded"), List.of("not-found", "bad-setting"),
                List.of("active", "activating", "deactivating", "reloading"));
        List<Boolean> alls = Arrays.asList(null, true, false);
        List<UnitInfo> everything = h.manager().list();
        int checked = 0;
        for (List<UnitType> t : types) {
            for (List<String> s : states) {
                for (Boolean a : alls) {
                    ListUnitsRequest r = new ListUnitsRequest(t, s, a);
                    List<UnitInfo> expected = new ArrayList<>(everything.stream().filter(x -> listedFromFullStatus(r, x)).toList());
                    assertThat(h.manager().list(x -> ManagerApi.listed(r, x))).as("%s", r).isEqualTo(expected);
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(types.size() * states.size() * alls.size());
        assertThat(everything).extracting(UnitInfo::name).contains("running.service", "failed.service", "stopped.service",
                "done.service", "work.slice");
    }

    @Test
    void aUnitLeftOutIsNotProjected() {
        unitsInEveryState();
        int before = h.cgroups.processReads;
        List<UnitInfo> waiting = h.manager().list(x -> ManagerApi.listed(
                new ListUnitsRequest(List.of(UnitType.SERVICE), List.of("inactive", "activating", "deactivating"), true), x));
        assertThat(waiting).extracting(UnitInfo::name).doesNotContain("running.service", "done.service");
        assertThat(h.cgroups.processReads).as("no running unit's processes were read").isEqualTo(before);

        h.manager().list(x -> ManagerApi.listed(new ListUnitsRequest(List.of(UnitType.SERVICE), List.of("running"), true), x));
        assertThat(h.cgroups.processReads).as("the running unit listed is projected in full").isGreaterThan(before);
    }
}
