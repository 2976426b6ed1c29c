package dev.tollgate.units.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.units.syntax.Words.Flag;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cases follow systemd's test-extract-word.c behaviour, and systemd.syntax(7) "Quoting". */
class WordsTest {

    private static List<String> split(String s, Flag... f) throws Words.InvalidWordException {
        return Words.split(s, f);
    }

    @Test
    void whitespaceSeparatesAndCoalesces() throws Exception {
        assertThat(split("  foo   bar\tbaz  ")).containsExactly("foo", "bar", "baz");
        assertThat(split("")).isEmpty();
        assertThat(split("   ")).isEmpty();
    }

    @Test
    void quotesWrapWordsAndAreRemoved() throws Exception {
        // systemd.syntax(7): Setting="something" "some thing" "..."
        assertThat(split("\"something\" \"some thing\" \"...\"", Flag.UNQUOTE)).containsExactly("something", "some thing", "...");
        assertThat(split("'single quoted' \"\"", Flag.UNQUOTE)).containsExactly("single quoted", "");
    }

    @Test
    void quotesMayOpenInsideAWordAsSystemdsCodeAllows() throws Exception {
        assertThat(split("a\"b c\"d e", Flag.UNQUOTE)).containsExactly("ab cd", "e");
        assertThat(split("ONE='one'", Flag.UNQUOTE)).containsExactly("ONE=one");
    }

    @Test
    void withoutUnquoteQuotesAreOrdinary() throws Exception {
        assertThat(split("\"a b\"")).containsExactly("\"a", "b\"");
    }

    @Test
    void backslashTakesNextCharacterLiterallyWithoutCunescape() throws Exception {
        assertThat(split("a\\ b c\\n", Flag.UNQUOTE)).containsExactly("a b", "cn");
    }

    @Test
    void cEscapesOfSystemdSyntaxTable1() throws Exception {
        assertThat(split("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\\s\"", Flag.UNQUOTE, Flag.CUNESCAPE))
                .containsExactly("\u0007\b\f\n\r\t\u000b\\\"' ");
        assertThat(split("\\x41\\102\\u00e9\\U0001F600", Flag.CUNESCAPE)).containsExactly("AB\u00e9\uD83D\uDE00");
        // Raw bytes combine into UTF-8: \xc3\xa9 is one "é".
        assertThat(split("\\xc3\\xa9", Flag.CUNESCAPE)).containsExactly("\u00e9");
    }

    @Test
    void unknownEscapeAndNulAreInvalidUnlessRelaxed() throws Exception {
        assertThatThrownBy(() -> split("\\q", Flag.CUNESCAPE)).isInstanceOf(Words.InvalidWordException.class);
        assertThatThrownBy(() -> split("\\x00", Flag.CUNESCAPE)).isInstanceOf(Words.InvalidWordException.class);
        assertThat(split("\\q\\x00", Flag.CUNESCAPE, Flag.CUNESCAPE_RELAX)).containsExactly("\\q\\x00");
        Words w = new Words("\\q x");
        Words.Relaxed r = w.nextOrRelax(Words.WHITESPACE, EnumSet.of(Flag.CUNESCAPE, Flag.UNQUOTE));
        assertThat(r.word()).isEqualTo("\\q");
        assertThat(r.keptUnknownEscapes()).isTrue();
    }

    @Test
    void unbalancedQuotesFailUnlessRelax() throws Exception {
        assertThatThrownBy(() -> split("\"abc", Flag.UNQUOTE))
                .isInstanceOfSatisfying(Words.InvalidWordException.class,
                        e -> assertThat(e.problem()).isEqualTo(Words.Problem.UNBALANCED_QUOTES));
        assertThat(split("\"abc d", Flag.UNQUOTE, Flag.RELAX)).containsExactly("abc d");
        Words w = new Words("\"abc");
        assertThatThrownBy(() -> w.nextOrRelax(Words.WHITESPACE, EnumSet.of(Flag.UNQUOTE)))
                .isInstanceOfSatisfying(Words.InvalidWordException.class,
                        e -> assertThat(e.problem()).isEqualTo(Words.Problem.UNBALANCED_QUOTES));
    }

    @Test
    void retainEscapeKeepsBackslashes() throws Exception {
        assertThat(split("a\\x2db \"c\\\"", Flag.RETAIN_ESCAPE, Flag.UNQUOTE)).containsExactly("a\\x2db", "c\\");
    }

    @Test
    void otherSeparatorsAndEmptyWordsWithoutCoalescing() throws Exception {
        Words w = new Words("ipv4::80:");
        List<String> out = new ArrayList<>();
        for (String s; (s = w.next(":", EnumSet.of(Flag.DONT_COALESCE_SEPARATORS))) != null; ) {
            out.add(s);
        }
        assertThat(out).containsExactly("ipv4", "", "80", "");
        Words c = new Words("ingress:::/sys/fs/bpf/x");
        assertThat(c.next(":", EnumSet.noneOf(Flag.class))).isEqualTo("ingress");
        assertThat(c.rest()).isEqualTo("/sys/fs/bpf/x");
    }

    /** Property: any string, quoted by {@link CEscape#quote}, splits back to itself (thousands of cases). */
    @Test
    void quoteRoundTrip() throws Exception {
        Random rnd = new Random(0x7011_6A7EL);
        String alphabet = " \t\"'\\;$%{}=:/-@!+abcXYZ019\u00e9\u4e2d\u0001\u007f\n\r";
        for (int i = 0; i < 5000; i++) {
            int n = rnd.nextInt(4);
            List<String> words = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < n; k++) {
                StringBuilder w = new StringBuilder();
                int len = rnd.nextInt(8);
                for (int j = 0; j < len; j++) {
                    if (rnd.nextInt(20) == 0) {
                        w.appendCodePoint(0x1F600 + rnd.nextInt(16));
                    } else {
                        w.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                }
                words.add(w.toString());
                line.append(" ".repeat(1 + rnd.nextInt(2))).append(CEscape.quote(w.toString()));
            }
            assertThat(Words.split(line.toString(), Flag.UNQUOTE, Flag.CUNESCAPE)).as("line %s", line).isEqualTo(words);
        }
    }
}
