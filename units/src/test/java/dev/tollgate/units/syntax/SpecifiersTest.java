package dev.tollgate.units.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpecifiersTest {

    private static final Specifiers.Table TABLE = c -> c == 'n' ? new Specifiers.Result.Ok("web.service") : null;

    @Test
    void expandsKnownAndDoublePercent() {
        assertThat(Specifiers.printf("%n is 100%%", TABLE, 1000)).isEqualTo(new Specifiers.Result.Ok("web.service is 100%"));
    }

    @Test
    void unknownSpecifierFailsTheWholeExpansion() {
        assertThat(Specifiers.printf("a %Z b", TABLE, 1000)).isInstanceOf(Specifiers.Result.Failed.class);
    }

    @Test
    void trailingLonePercentIsKept() {
        assertThat(Specifiers.printf("50%", TABLE, 1000)).isEqualTo(new Specifiers.Result.Ok("50%"));
    }

    @Test
    void escapeRoundTrips() {
        String s = "100% %n %%";
        assertThat(Specifiers.printf(Specifiers.escape(s), TABLE, 1000)).isEqualTo(new Specifiers.Result.Ok(s));
    }
}
