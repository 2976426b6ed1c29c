package dev.tollgate.units.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.syntax.Specifiers;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** systemd.service(5), "Command lines", and config_parse_exec()'s rules. */
class CommandLineParserTest {

    private static final Function<String, Specifiers.Result> PRINTF = s -> Specifiers.printf(s,
            c -> c == 'n' ? new Specifiers.Result.Ok("web.service") : null, 1 << 20);

    private static CommandLineParser.Result parse(String v) {
        return CommandLineParser.parse(v, PRINTF, PRINTF);
    }

    private static List<ExecCommand> commands(String v) {
        CommandLineParser.Result r = parse(v);
        assertThat(r.issues()).as("issues for %s", v).isEmpty();
        return r.commands();
    }

    @Test
    void manExampleOneVariableTwoWays() {
        // Environment="ONE=one" 'TWO=two two'
        // ExecStart=echo $ONE $TWO ${TWO}  ->  echo with "one", "two", "two", "two two"
        ExecCommand c = commands("echo $ONE $TWO ${TWO}").getFirst();
        assertThat(c.path()).isEqualTo("echo");
        assertThat(c.needsPathLookup()).isTrue();
        assertThat(c.expandArgv(Map.of("ONE", "one", "TWO", "two two")))
                .containsExactly("echo", "one", "two", "two", "two two");
    }

    @Test
    void manExampleQuotesInValues() {
        // Environment=ONE='one' "TWO='two two' too" THREE=  (ONE is "one": systemd PR #42753 fixed the man page)
        Map<String, String> env = Map.of("ONE", "one", "TWO", "'two two' too", "THREE", "");
        assertThat(commands("/bin/echo ${ONE} ${TWO} ${THREE}").getFirst().expandArgv(env))
                .containsExactly("/bin/echo", "one", "'two two' too", "");
        assertThat(commands("/bin/echo $ONE $TWO $THREE").getFirst().expandArgv(env))
                .containsExactly("/bin/echo", "one", "two two", "too");
    }

    @Test
    void manExampleSemicolonSeparatesCommands() {
        // ExecStart=echo one ; echo "two two"
        assertThat(commands("echo one ; echo \"two two\"")).extracting(ExecCommand::argv)
                .containsExactly(List.of("echo", "one"), List.of("echo", "two two"));
    }

    @Test
    void manExampleEscapedSemicolonAndShellCharacters() {
        // ExecStart=echo / >/dev/null & \; \
        // ls                         (after line continuation)
        assertThat(commands("echo / >/dev/null & \\;  ls")).singleElement().extracting(ExecCommand::argv)
                .isEqualTo(List.of("echo", "/", ">/dev/null", "&", ";", "ls"));
    }

    @Test
    void manExampleShell() {
        assertThat(commands("sh -c 'dmesg | tac'").getFirst().argv()).containsExactly("sh", "-c", "dmesg | tac");
    }

    @Test
    void semicolonGluedToAWordIsAnArgument() {
        assertThat(commands("/bin/echo a; b").getFirst().argv()).containsExactly("/bin/echo", "a;", "b");
        assertThat(commands("; ; /bin/a ;")).extracting(ExecCommand::path).containsExactly("/bin/a");
    }

    @Test
    void prefixes() {
        ExecCommand c = commands("-@/bin/foo bar baz").getFirst();
        assertThat(c.path()).isEqualTo("/bin/foo");
        assertThat(c.argv()).containsExactly("bar", "baz");
        assertThat(c.flags()).containsExactly(ExecFlag.IGNORE_FAILURE);
        assertThat(commands(":/bin/x $A").getFirst().expandArgv(Map.of("A", "b"))).containsExactly("/bin/x", "$A");
        assertThat(commands("+/bin/x").getFirst().flags()).containsExactly(ExecFlag.FULLY_PRIVILEGED);
        assertThat(commands("!/bin/x").getFirst().flags()).containsExactly(ExecFlag.NO_SETUID);
        assertThat(commands("!!/bin/x").getFirst().flags()).containsExactly(ExecFlag.AMBIENT_MAGIC);
        assertThat(commands("@-:/bin/x y").getFirst().flags()).containsExactlyInAnyOrder(ExecFlag.IGNORE_FAILURE, ExecFlag.NO_ENV_EXPAND);
        // Quoting does not hide a prefix: prefixes are read after unquoting.
        assertThat(commands("\"-/bin/x\"").getFirst().ignoresFailure()).isTrue();
    }

    @Test
    void pathIsSimplifiedButArgv0KeepsTheSpelling() {
        ExecCommand c = commands("/usr//bin/./env A=1").getFirst();
        assertThat(c.path()).isEqualTo("/usr/bin/env");
        assertThat(c.argv()).containsExactly("/usr//bin/./env", "A=1");
    }

    @Test
    void specifiersAfterUnquoting() {
        assertThat(commands("/bin/echo \"%n\" 100%% x%%y").getFirst().argv())
                .containsExactly("/bin/echo", "web.service", "100%", "x%y");
    }

    @Test
    void badExecutablesFailTheUnitUnlessIgnored() {
        assertFatal("bin/echo", "Neither a valid executable name nor an absolute path: bin/echo");
        assertFatal("/bin/", "Executable path specifies a directory: /bin/");
        assertFatal("@/bin/x", "Empty executable name or zeroeth argument: @/bin/x");
        assertFatal("/bin/echo %Z", null);
        assertFatal("/bin/echo \"unbalanced", null);
        assertFatal("\"/bin/a b\\\"c\"", "Executable name contains special characters: /bin/a b\"c");

        assertThat(parse("-").fatal()).isFalse();
        assertThat(parse("-").issues()).extracting(CommandLineParser.Issue::message)
                .containsExactly("Empty path in command line, ignoring: '-'");
        CommandLineParser.Result r = parse("-bin/echo");
        assertThat(r.fatal()).isFalse();
        assertThat(r.commands()).isEmpty();
        assertThat(r.issues()).singleElement().extracting(CommandLineParser.Issue::message)
                .isEqualTo("Neither a valid executable name nor an absolute path, ignoring: bin/echo");
    }

    @Test
    void unknownEscapesAreKeptWithAWarning() {
        CommandLineParser.Result r = parse("/bin/echo \\q x");
        assertThat(r.commands().getFirst().argv()).containsExactly("/bin/echo", "\\q", "x");
        assertThat(r.issues()).singleElement().satisfies(i -> {
            assertThat(i.severity()).isEqualTo(LogLevel.WARNING);
            assertThat(i.message()).isEqualTo("Ignoring unknown escape sequences: \"\\q\"");
        });
    }

    private static void assertFatal(String value, String message) {
        CommandLineParser.Result r = parse(value);
        assertThat(r.fatal()).as("fatal: %s", value).isTrue();
        if (message != null) {
            assertThat(r.issues()).extracting(CommandLineParser.Issue::message).contains(message);
        }
    }

    /**
     * Property: random commands (paths, arguments with quotes, backslashes, dollars, percent signs,
     * semicolons, control and non-ASCII characters, every prefix) written with
     * {@link ExecCommand#toCommandLine()} and joined with " ; " parse back to the same commands.
     */
    @Test
    void commandLineRoundTrip() {
        Random rnd = new Random(0xE7EC_57A7L);
        String alphabet = "ab z\t\"'\\$;{}%@-:+!\n\u00e9\u4e2d\u0007";
        List<Set<ExecFlag>> flagChoices = List.of(Set.of(), Set.of(ExecFlag.IGNORE_FAILURE), Set.of(ExecFlag.NO_ENV_EXPAND),
                Set.of(ExecFlag.FULLY_PRIVILEGED), Set.of(ExecFlag.NO_SETUID), Set.of(ExecFlag.AMBIENT_MAGIC),
                EnumSet.of(ExecFlag.IGNORE_FAILURE, ExecFlag.NO_ENV_EXPAND, ExecFlag.NO_SETUID));
        for (int iter = 0; iter < 5000; iter++) {
            List<ExecCommand> expected = new ArrayList<>();
            int n = 1 + rnd.nextInt(3);
            for (int k = 0; k < n; k++) {
                String path = rnd.nextInt(5) == 0 ? "true" : randomPath(rnd);
                List<String> argv = new ArrayList<>();
                boolean separate = rnd.nextInt(4) == 0;
                argv.add(separate ? randomWord(rnd, alphabet) : path);
                for (int a = rnd.nextInt(5); a > 0; a--) {
                    argv.add(randomWord(rnd, alphabet));
                }
                expected.add(new ExecCommand(path, argv, flagChoices.get(rnd.nextInt(flagChoices.size()))));
            }
            String line = String.join(" ; ", expected.stream().map(ExecCommand::toCommandLine).toList());
            CommandLineParser.Result r = parse(line);
            assertThat(r.issues()).as(line).isEmpty();
            assertThat(r.commands()).as(line).isEqualTo(expected);
        }
    }

    private static String randomPath(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            sb.append('/');
            for (int j = 1 + rnd.nextInt(6); j > 0; j--) {
                sb.append("abcxyz019._-".charAt(rnd.nextInt(12)));
            }
        }
        String p = sb.toString();
        return p.matches(".*/\\.{1,2}(/.*|$)") ? "/usr/bin/env" : p;
    }

    private static String randomWord(Random rnd, String alphabet) {
        StringBuilder sb = new StringBuilder();
        for (int j = rnd.nextInt(7); j > 0; j--) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
