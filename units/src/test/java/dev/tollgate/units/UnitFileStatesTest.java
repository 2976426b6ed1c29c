package dev.tollgate.units;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enablement states as systemd 252 reports them. The expected states are what
 * {@code systemctl --root=DIR list-unit-files} printed for the same files (the search path
 * there is DIR/etc/systemd/system; here, two directories).
 */
class UnitFileStatesTest {
    private static final String RUN = "[Service]\nExecStart=/bin/true\n";
    private static final String WANTED = RUN + "[Install]\nWantedBy=multi-user.target\n";

    @TempDir
    Path root;

    @Test
    void everyStateAsSystemctlListUnitFilesShowsIt() throws Exception {
        Path etc = Files.createDirectories(root.resolve("etc"));
        Path lib = Files.createDirectories(root.resolve("lib"));
        Path outside = Files.createDirectories(root.resolve("elsewhere"));
        Files.writeString(etc.resolve("static1.service"), RUN);
        Files.writeString(etc.resolve("web.service"), WANTED);
        Files.writeString(etc.resolve("dis.service"), WANTED);
        Files.writeString(etc.resolve("tpl@.service"), WANTED);
        Files.writeString(etc.resolve("stpl@.service"), RUN);
        Files.writeString(etc.resolve("tpl2@.service"), WANTED);
        Files.createSymbolicLink(etc.resolve("masked.service"), Path.of("/dev/null"));
        Files.writeString(etc.resolve("empty.service"), "");
        Files.createSymbolicLink(etc.resolve("alias1.service"), Path.of("web.service"));
        Files.writeString(etc.resolve("dis2.service"), WANTED);
        Files.createSymbolicLink(etc.resolve("other2.service"), Path.of("dis2.service"));
        Files.writeString(etc.resolve("a3.service"), RUN + "[Install]\nAlias=al3.service\n");
        Files.createSymbolicLink(etc.resolve("al3.service"), Path.of("a3.service"));
        Files.writeString(etc.resolve("also.service"), RUN + "[Install]\nAlso=web.service\n");
        Files.writeString(etc.resolve("st2.service"), RUN);
        Files.writeString(etc.resolve("di@.service"), RUN + "[Install]\nWantedBy=x.target\nDefaultInstance=d\n");
        Files.writeString(outside.resolve("linked.service"), WANTED);
        Files.createSymbolicLink(etc.resolve("linked.service"), outside.resolve("linked.service"));
        Files.writeString(lib.resolve("lib.service"), WANTED);
        Files.writeString(etc.resolve("my.slice"), "[Slice]\n");
        Files.writeString(etc.resolve("bad[Service.service"), RUN);
        Files.writeString(etc.resolve("ignored.socket"), "[Socket]\n");
        Path wants = Files.createDirectories(etc.resolve("multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("web.service"), etc.resolve("web.service"));
        Files.createSymbolicLink(wants.resolve("tpl@x.service"), etc.resolve("tpl@.service"));
        Files.createSymbolicLink(wants.resolve("stpl@a.service"), etc.resolve("stpl@.service"));
        Files.createSymbolicLink(wants.resolve("lib.service"), lib.resolve("lib.service"));
        Files.createSymbolicLink(Files.createDirectories(etc.resolve("foo.target.wants")).resolve("st2.service"),
                Path.of("../st2.service"));
        Files.createSymbolicLink(Files.createDirectories(etc.resolve("x.target.requires")).resolve("di@d.service"),
                Path.of("../di@.service"));

        Map<String, String> states = new LinkedHashMap<>();
        for (UnitFileStates.Entry e : UnitFileStates.list(new UnitLoader(List.of(etc, lib), TestUnits.HOST))) {
            states.put(e.name().id(), e.state().spelling());
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("a3.service", "enabled");
        expected.put("al3.service", "alias");
        expected.put("alias1.service", "alias");
        expected.put("also.service", "indirect");
        expected.put("di@.service", "enabled");
        expected.put("dis.service", "disabled");
        expected.put("dis2.service", "indirect");
        expected.put("empty.service", "masked");
        expected.put("lib.service", "enabled");
        expected.put("linked.service", "linked");
        expected.put("masked.service", "masked");
        expected.put("other2.service", "alias");
        expected.put("st2.service", "enabled");
        expected.put("static1.service", "static");
        expected.put("stpl@.service", "indirect");
        expected.put("tpl2@.service", "disabled");
        expected.put("tpl@.service", "indirect");
        expected.put("web.service", "enabled");
        expected.put("my.slice", "static");
        assertThat(states).containsExactlyEntriesOf(expected);
    }

    @Test
    void aLinkedFileThatIsEnabledIsEnabledAndAnUnreadableOneIsBad() throws Exception {
        Path etc = Files.createDirectories(root.resolve("etc"));
        Path outside = Files.createDirectories(root.resolve("elsewhere"));
        Files.writeString(outside.resolve("linked.service"), WANTED);
        Files.createSymbolicLink(etc.resolve("linked.service"), outside.resolve("linked.service"));
        Files.createSymbolicLink(Files.createDirectories(etc.resolve("multi-user.target.wants")).resolve("linked.service"),
                etc.resolve("linked.service"));
        Files.createSymbolicLink(etc.resolve("dangling.service"), outside.resolve("gone.service"));
        Map<String, String> states = new LinkedHashMap<>();
        for (UnitFileStates.Entry e : UnitFileStates.list(new UnitLoader(List.of(etc), TestUnits.HOST))) {
            states.put(e.name().id(), e.state().spelling());
        }
        assertThat(states).containsExactly(Map.entry("dangling.service", "bad"), Map.entry("linked.service", "enabled"));
    }
}
