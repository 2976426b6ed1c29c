package dev.tollgate.units.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.UnitFileDiagnostic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnitFileSyntaxTest {

    private static final Path FILE = Path.of("/etc/tollgate/units/t.service");
    private static final Set<String> SECTIONS = Set.of("Section A", "Section B", "Section C", "Unit", "Service");

    private static List<UnitFileSyntax.Entry> parse(String text) {
        return UnitFileSyntax.parse(FILE, text.getBytes(StandardCharsets.UTF_8), SECTIONS);
    }

    private static List<Assignment> assignments(String text) {
        return parse(text).stream()
                .filter(e -> e instanceof UnitFileSyntax.Entry.Assign)
                .map(e -> ((UnitFileSyntax.Entry.Assign) e).assignment())
                .toList();
    }

    private static List<UnitFileDiagnostic> notes(String text) {
        return parse(text).stream()
                .filter(e -> e instanceof UnitFileSyntax.Entry.Note)
                .map(e -> ((UnitFileSyntax.Entry.Note) e).diagnostic())
                .toList();
    }

    /** systemd.syntax(7), "Description", Example 1, verbatim. */
    @Test
    void manPageExample1() {
        String text = """
                [Section A]
                KeyOne=value 1
                KeyTwo=value 2

                # a comment

                [Section B]
                Setting="something" "some thing" "..."
                KeyTwo=value 2 \\
                       value 2 continued

                [Section C]
                KeyThree=value 3\\
                # this line is ignored
                ; this line is ignored too
                       value 3 continued
                """;
        List<Assignment> a = assignments(text);
        assertThat(a).extracting(Assignment::section, Assignment::key, Assignment::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Section A", "KeyOne", "value 1"),
                org.assertj.core.groups.Tuple.tuple("Section A", "KeyTwo", "value 2"),
                org.assertj.core.groups.Tuple.tuple("Section B", "Setting", "\"something\" \"some thing\" \"...\""),
                // The backslash becomes a space and the next line's indentation is kept.
                org.assertj.core.groups.Tuple.tuple("Section B", "KeyTwo", "value 2         value 2 continued"),
                org.assertj.core.groups.Tuple.tuple("Section C", "KeyThree", "value 3        value 3 continued"));
        assertThat(notes(text)).isEmpty();
        // A continued line is reported at its last physical line, as systemd does.
        assertThat(a.get(3).line()).isEqualTo(10);
        assertThat(a.get(4).line()).isEqualTo(16);
    }

    @Test
    void whitespaceAroundEqualsAndLineIsTrimmed() {
        assertThat(assignments("[Unit]\n  Description  =   Hello world \t\n"))
                .singleElement().satisfies(a -> {
                    assertThat(a.key()).isEqualTo("Description");
                    assertThat(a.value()).isEqualTo("Hello world");
                });
    }

    @Test
    void commentsOnlyAtLineStartAndValuesKeepHashes() {
        assertThat(assignments("[Unit]\n# x=1\n   ; y=2\nDescription=a # not a comment\n"))
                .singleElement().extracting(Assignment::value).isEqualTo("a # not a comment");
    }

    @Test
    void evenNumberOfTrailingBackslashesDoesNotContinue() {
        assertThat(assignments("[Unit]\nA=x\\\\\nB=y\n")).extracting(Assignment::key).containsExactly("A", "B");
        assertThat(assignments("[Unit]\nA=x\\\\\\\nB=y\n")).singleElement().extracting(Assignment::value)
                .isEqualTo("x\\\\ B=y");
    }

    @Test
    void continuationAtEndOfFileIsParsedOnTheNextLineNumber() {
        // systemd: "if (continuation) parse_line(..., ++line, ...)".
        List<Assignment> a = assignments("[Service]\nExecStart=/bin/echo \\q x\\");
        assertThat(a).singleElement().satisfies(x -> {
            assertThat(x.value()).isEqualTo("/bin/echo \\q x");
            assertThat(x.line()).isEqualTo(3);
        });
    }

    @Test
    void anEmptyLineEndsAContinuation() {
        assertThat(assignments("[Unit]\nA=1\\\n\nB=2\n")).extracting(Assignment::key, Assignment::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", "1"), org.assertj.core.groups.Tuple.tuple("B", "2"));
    }

    @Test
    void crlfAndBareCrLineEndings() {
        assertThat(assignments("[Unit]\r\nA=1\r\nB=2\rC=3\n")).extracting(Assignment::key, Assignment::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", 2), org.assertj.core.groups.Tuple.tuple("B", 3),
                        org.assertj.core.groups.Tuple.tuple("C", 4));
    }

    @Test
    void byteOrderMarkIsSkipped() {
        assertThat(assignments("\ufeff[Unit]\nA=1\n")).singleElement().extracting(Assignment::section).isEqualTo("Unit");
    }

    @Test
    void unknownSectionsAreWarnedAndSkippedXSectionsSilently() {
        String text = "[Unit]\nA=1\n[Bogus]\nB=2\n[X-Mine]\nC=3\n[Service]\nD=4\n";
        assertThat(assignments(text)).extracting(Assignment::key).containsExactly("A", "D");
        assertThat(notes(text)).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(LogLevel.WARNING);
            assertThat(d.line()).isEqualTo(3);
            assertThat(d.toString()).isEqualTo("/etc/tollgate/units/t.service:3: [Bogus]: Unknown section 'Bogus'. Ignoring.");
        });
    }

    @Test
    void linesThatAreNotAssignmentsAreWarned() {
        List<UnitFileDiagnostic> n = notes("Foo=bar\n[Unit]\nNoEquals\n=value\n");
        assertThat(n).extracting(UnitFileDiagnostic::line, UnitFileDiagnostic::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "Assignment outside of section. Ignoring."),
                org.assertj.core.groups.Tuple.tuple(3, "Missing '=', ignoring line."),
                org.assertj.core.groups.Tuple.tuple(4, "Missing key name before '=', ignoring line."));
        assertThat(n).allMatch(d -> d.severity() == LogLevel.WARNING);
    }

    @Test
    void anUnterminatedSectionHeaderIsFatalAndEndsTheFile() {
        List<UnitFileSyntax.Entry> e = parse("[Unit]\nA=1\n[Service\nB=2\n");
        assertThat(e).hasSize(2);
        assertThat(((UnitFileSyntax.Entry.Note) e.get(1)).diagnostic()).satisfies(d -> {
            assertThat(d.severity()).isEqualTo(LogLevel.ERROR);
            assertThat(d.message()).isEqualTo("Invalid section header '[Service'");
        });
    }

    @Test
    void invalidUtf8IsFatal() {
        byte[] bytes = "[Unit]\nDescription=\u00ff\u00fe\nB=1\n".getBytes(StandardCharsets.ISO_8859_1);
        List<UnitFileSyntax.Entry> e = UnitFileSyntax.parse(FILE, bytes, SECTIONS);
        assertThat(e).singleElement().isInstanceOfSatisfying(UnitFileSyntax.Entry.Note.class,
                n -> assertThat(n.diagnostic().severity()).isEqualTo(LogLevel.ERROR));
    }

    @Test
    void aSectionHeaderWithQuotesIsFatal() {
        assertThat(notes("[Un\"it]\n")).singleElement().extracting(UnitFileDiagnostic::severity).isEqualTo(LogLevel.ERROR);
    }

    @Test
    void overlongLineIsFatal() {
        String text = "[Unit]\nA=" + "x".repeat(UnitFileSyntax.LONG_LINE_MAX) + "\n";
        assertThat(notes(text)).singleElement().extracting(UnitFileDiagnostic::severity).isEqualTo(LogLevel.ERROR);
    }

    @Test
    void emptyValueIsKept() {
        assertThat(assignments("[Service]\nEnvironment=\n")).singleElement().satisfies(a -> assertThat(a.isEmpty()).isTrue());
    }
}
