package dev.tollgate.units;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.exec.ExecCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Search path, drop-ins, templates, aliases and masks; systemd.unit(5), "Description" and "Unit file load path". */
class UnitLoaderTest {

    @TempDir
    Path root;
    Path etc;
    Path run;
    Path lib;
    UnitLoader loader;

    @BeforeEach
    void dirs() throws IOException {
        etc = Files.createDirectories(root.resolve("etc"));
        run = Files.createDirectories(root.resolve("run"));
        lib = Files.createDirectories(root.resolve("lib"));
        loader = new UnitLoader(List.of(etc, run, lib), TestUnits.HOST);
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    private ServiceConfig service(String name) {
        LoadResult r = loader.load(name);
        assertThat(r).as("%s", r).isInstanceOf(LoadResult.Loaded.class);
        return (ServiceConfig) ((LoadResult.Loaded) r).config();
    }

    private SliceConfig slice(String name) {
        LoadResult r = loader.load(name);
        assertThat(r).as("%s", r).isInstanceOf(LoadResult.Loaded.class);
        return (SliceConfig) ((LoadResult.Loaded) r).config();
    }

    @Test
    void defaultSearchPathIsTollgates() {
        assertThat(UnitLoader.DEFAULT_SEARCH_PATH).containsExactly(
                Path.of("/etc/tollgate/units"), Path.of("/run/tollgate/units"), Path.of("/usr/lib/tollgate/units"));
    }

    @Test
    void firstDirectoryWins() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/lib\n");
        assertThat(service("web.service").service().execStart()).extracting(ExecCommand::path).containsExactly("/bin/lib");
        write(run, "web.service", "[Service]\nExecStart=/bin/run\n");
        assertThat(service("web.service").service().execStart()).extracting(ExecCommand::path).containsExactly("/bin/run");
        Path e = write(etc, "web.service", "[Service]\nExecStart=/bin/etc\n");
        ServiceConfig s = service("web.service");
        assertThat(s.service().execStart()).extracting(ExecCommand::path).containsExactly("/bin/etc");
        assertThat(s.sources().fragment()).contains(e);
    }

    @Test
    void notFoundAndBadNames() {
        assertThat(loader.load("nope.service")).isInstanceOf(LoadResult.NotFound.class);
        assertThat(loader.load("bad name.service")).isInstanceOfSatisfying(LoadResult.Failed.class,
                f -> assertThat(f.reason()).isEqualTo("Unit name bad name.service is not valid."));
        assertThat(loader.load("getty@.service")).isInstanceOf(LoadResult.Failed.class);
        assertThat(loader.load("network.target")).isInstanceOfSatisfying(LoadResult.Failed.class,
                f -> assertThat(f.reason()).contains("not supported"));
    }

    @Test
    void dropInsApplyInFileNameOrderAcrossDirectoriesAndOverrideByName() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/web\nEnvironment=FROM=unit\n");
        write(lib, "web.service.d/10-a.conf", "[Service]\nEnvironment=A=lib10 FROM=lib10\n");
        write(lib, "web.service.d/30-c.conf", "[Service]\nEnvironment=C=lib30 FROM=lib30\n");
        write(run, "web.service.d/20-b.conf", "[Service]\nEnvironment=B=run20 FROM=run20\n");
        // Same name in an earlier directory replaces the later one entirely.
        write(etc, "web.service.d/30-c.conf", "[Service]\nEnvironment=C=etc30\n");
        write(etc, "web.service.d/.hidden.conf", "[Service]\nEnvironment=HIDDEN=1\n");
        write(etc, "web.service.d/notes.txt", "[Service]\nEnvironment=TXT=1\n");
        ServiceConfig s = service("web.service");
        assertThat(s.exec().environment()).containsExactly(Map.entry("FROM", "run20"), Map.entry("A", "lib10"),
                Map.entry("B", "run20"), Map.entry("C", "etc30"));
        assertThat(s.sources().dropIns()).containsExactly(lib.resolve("web.service.d/10-a.conf"),
                run.resolve("web.service.d/20-b.conf"), etc.resolve("web.service.d/30-c.conf"));
    }

    @Test
    void aDropInLinkedToDevNullMasksTheSameNameFurtherDown() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/web\n");
        write(lib, "web.service.d/50-x.conf", "[Service]\nEnvironment=X=1\n");
        Files.createDirectories(etc.resolve("web.service.d"));
        Files.createSymbolicLink(etc.resolve("web.service.d/50-x.conf"), Path.of("/dev/null"));
        assertThat(service("web.service").exec().environment()).isEmpty();
    }

    @Test
    void prefixDropInsForDashedNamesMostSpecificWins() throws IOException {
        write(lib, "a-b-c.slice.d/10-own.conf", "[Unit]\nDescription=own\n[Slice]\nIPAddressAllow=10.0.0.3\n");
        write(lib, "a-b-.slice.d/10-own.conf", "[Unit]\nDescription=a-b- (overridden by name)\n");
        write(lib, "a-b-.slice.d/20-ab.conf", "[Slice]\nIPAddressAllow=10.0.0.2\n");
        write(lib, "a-.slice.d/30-a.conf", "[Slice]\nIPAddressAllow=10.0.0.1\nIPAccounting=yes\n");
        write(lib, "slice.d/40-all.conf", "[Slice]\nIPAddressDeny=any\n");
        SliceConfig s = slice("a-b-c.slice");
        assertThat(s.unit().description()).contains("own");
        assertThat(s.resources().ipAccounting()).isTrue();
        assertThat(s.resources().ipAddressAllow().toString()).isEqualTo("10.0.0.1/32 10.0.0.2/32 10.0.0.3/32");
        assertThat(s.resources().ipAddressDeny().isAny()).isTrue();
        assertThat(s.sources().fragment()).isEmpty();
        assertThat(s.sources().dropIns()).containsExactly(lib.resolve("a-b-c.slice.d/10-own.conf"),
                lib.resolve("a-b-.slice.d/20-ab.conf"), lib.resolve("a-.slice.d/30-a.conf"), lib.resolve("slice.d/40-all.conf"));
    }

    @Test
    void typeWideDropInsHaveTheLowestPrecedence() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/web\n");
        write(etc, "service.d/10-x.conf", "[Service]\nEnvironment=X=typewide\n");
        assertThat(service("web.service").exec().environment()).containsEntry("X", "typewide");
        write(lib, "web.service.d/10-x.conf", "[Service]\nEnvironment=X=named\n");
        assertThat(service("web.service").exec().environment()).containsEntry("X", "named");
    }

    @Test
    void templatesInstancesAndTheirDropIns() throws IOException {
        write(lib, "getty@.service", "[Unit]\nDescription=Getty on %I\n[Service]\nExecStart=/sbin/agetty %I\n");
        write(lib, "getty@.service.d/10-t.conf", "[Service]\nEnvironment=T=template\n");
        write(etc, "getty@tty2.service.d/10-t.conf", "[Service]\nEnvironment=T=instance\n");
        ServiceConfig one = service("getty@tty1.service");
        assertThat(one.name()).isEqualTo(UnitName.of("getty@tty1.service"));
        assertThat(one.unit().description()).contains("Getty on tty1");
        assertThat(one.exec().environment()).containsEntry("T", "template");
        assertThat(service("getty@tty2.service").exec().environment()).containsEntry("T", "instance");
        // A file for the instance itself takes precedence over the template, wherever it is.
        write(lib, "getty@tty3.service", "[Service]\nExecStart=/bin/special\n");
        assertThat(service("getty@tty3.service").service().execStart().getFirst().path()).isEqualTo("/bin/special");
    }

    @Test
    void dashedTemplateInstancesSearchPrefixDirectories() throws IOException {
        write(lib, "foo-bar@.service", "[Service]\nExecStart=/bin/x\n");
        write(lib, "foo-.service.d/10.conf", "[Service]\nEnvironment=A=1\n");
        write(lib, "foo-@x.service.d/20.conf", "[Service]\nEnvironment=B=2\n");
        write(lib, "foo-@.service.d/30.conf", "[Service]\nEnvironment=C=3\n");
        assertThat(service("foo-bar@x.service").exec().environment()).containsOnlyKeys("A", "B", "C");
    }

    @Test
    void maskedByDevNullOrEmptyFile() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/web\n");
        Files.createSymbolicLink(etc.resolve("web.service"), Path.of("/dev/null"));
        assertThat(loader.load("web.service")).isInstanceOf(LoadResult.Masked.class);
        write(lib, "empty.service", "");
        assertThat(loader.load("empty.service")).isInstanceOfSatisfying(LoadResult.Masked.class,
                m -> assertThat(m.maskedBy()).isEqualTo(lib.resolve("empty.service")));
        write(lib, "tpl@.service", "[Service]\nExecStart=/bin/x\n");
        Files.createSymbolicLink(etc.resolve("tpl@.service"), Path.of("/dev/null"));
        assertThat(loader.load("tpl@a.service")).isInstanceOf(LoadResult.Masked.class);
        Files.createSymbolicLink(etc.resolve("m.slice"), Path.of("/dev/null"));
        assertThat(loader.load("m.slice")).isInstanceOf(LoadResult.Masked.class);
    }

    @Test
    void aliasesLoadTheUnitTheyPointAtWithDropInsForBothNames() throws IOException {
        write(lib, "real.service", "[Service]\nExecStart=/bin/real\n");
        Files.createSymbolicLink(etc.resolve("alias.service"), lib.resolve("real.service"));
        write(etc, "alias.service.d/10.conf", "[Service]\nEnvironment=VIA=alias\n");
        write(etc, "real.service.d/20.conf", "[Service]\nEnvironment=VIA2=real\n");
        LoadResult r = loader.load("alias.service");
        assertThat(r.name()).isEqualTo("alias.service");
        ServiceConfig s = (ServiceConfig) ((LoadResult.Loaded) r).config();
        assertThat(s.name()).isEqualTo(UnitName.of("real.service"));
        assertThat(s.exec().environment()).containsOnlyKeys("VIA", "VIA2");
        // A template alias: autovt@.service -> getty@.service, as Debian ships it.
        write(lib, "getty@.service", "[Service]\nExecStart=/sbin/agetty %I\n");
        Files.createSymbolicLink(lib.resolve("autovt@.service"), Path.of("getty@.service"));
        ServiceConfig a = service("autovt@tty1.service");
        assertThat(a.name()).isEqualTo(UnitName.of("getty@tty1.service"));
        assertThat(a.service().execStart().getFirst().argv()).containsExactly("/sbin/agetty", "tty1");
    }

    @Test
    void aLinkOutsideTheSearchPathIsALinkedUnitFile() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        write(elsewhere, "whatever-name", "[Service]\nExecStart=/bin/linked\n");
        Files.createSymbolicLink(etc.resolve("linked.service"), elsewhere.resolve("whatever-name"));
        ServiceConfig s = service("linked.service");
        assertThat(s.name()).isEqualTo(UnitName.of("linked.service"));
        assertThat(s.service().execStart().getFirst().path()).isEqualTo("/bin/linked");
    }

    @Test
    void slicesNeedNoFile() {
        SliceConfig s = slice("user-1000.slice");
        assertThat(s.sources().all()).isEmpty();
        assertThat(s.parentSlice()).contains(UnitName.of("user.slice"));
        assertThat(loader.load("a--b.slice")).isInstanceOf(LoadResult.Failed.class);
    }

    @Test
    void unreadableFilesFailOnlyThatUnit() throws IOException {
        // A link to itself cannot be read even by root (ELOOP).
        Files.createSymbolicLink(lib.resolve("loop.service"), Path.of("loop.service"));
        write(lib, "fine.service", "[Service]\nExecStart=/bin/x\n");
        assertThat(loader.load("loop.service")).isInstanceOfSatisfying(LoadResult.Failed.class,
                f -> assertThat(f.reason()).contains("Failed to read unit file"));
        assertThat(loader.load("fine.service")).isInstanceOf(LoadResult.Loaded.class);
    }

    @Test
    void aDanglingLinkFailsWithTheReason() throws IOException {
        Files.createSymbolicLink(etc.resolve("gone.service"), root.resolve("nowhere/gone.service"));
        assertThat(loader.load("gone.service")).isInstanceOfSatisfying(LoadResult.Failed.class,
                f -> assertThat(f.reason()).contains("Failed to read unit file"));
    }

    @Test
    void oneBadUnitDoesNotStopOthers() throws IOException {
        write(lib, "bad.service", "[Service]\nExecStart=relative/path\n");
        write(lib, "good.service", "[Service]\nExecStart=/bin/good\n");
        assertThat(loader.load("bad.service")).isInstanceOf(LoadResult.Failed.class);
        assertThat(loader.load("good.service")).isInstanceOf(LoadResult.Loaded.class);
    }

    /** A deliberate difference from systemd 252: a fatal setting in a drop-in fails the unit. */
    @Test
    void aFatalDropInFailsTheUnit() throws IOException {
        write(lib, "web.service", "[Service]\nExecStart=/bin/web\n");
        write(etc, "web.service.d/10.conf", "[Service]\nUser=not:valid\n");
        assertThat(loader.load("web.service")).isInstanceOfSatisfying(LoadResult.Failed.class, f ->
                assertThat(f.reason()).isEqualTo(etc.resolve("web.service.d/10.conf")
                        + ":2: [Service] User=: Invalid user/group name or numeric ID: not:valid"));
    }

    @Test
    void listingAndWants() throws IOException {
        write(lib, "a.service", "[Service]\nExecStart=/bin/a\n");
        write(lib, "b@.service", "[Service]\nExecStart=/bin/b\n");
        write(etc, "a.service", "[Service]\nExecStart=/bin/a2\n");
        Files.createDirectories(etc.resolve("multi-user.target.wants"));
        Files.createSymbolicLink(etc.resolve("multi-user.target.wants/a.service"), lib.resolve("a.service"));
        Files.createSymbolicLink(etc.resolve("multi-user.target.wants/b@x.service"), lib.resolve("b@.service"));
        assertThat(loader.unitFiles()).containsExactly(Map.entry(UnitName.of("a.service"), etc.resolve("a.service")),
                Map.entry(UnitName.of("b@.service"), lib.resolve("b@.service")));
        assertThat(loader.wants(UnitName.of("multi-user.target")))
                .containsExactly(UnitName.of("a.service"), UnitName.of("b@x.service"));
    }

    @Test
    void enableLinksForAnInstalledUnit() throws IOException {
        Path file = write(lib, "web.service", "[Service]\nExecStart=/bin/web\n[Install]\nWantedBy=multi-user.target\nAlias=www.service\n");
        ServiceConfig s = service("web.service");
        assertThat(s.install().enableLinks(etc, s.name(), s.sources().fragment().orElseThrow())).containsExactly(
                new EnableLink(etc.resolve("multi-user.target.wants/web.service"), file, EnableLink.Kind.WANTS),
                new EnableLink(etc.resolve("www.service"), file, EnableLink.Kind.ALIAS));
    }
}
