package dev.tollgate.varlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CodecTest {

    /** A channel that hands out its bytes in chunks of the given sizes (then the rest at once). */
    private static final class ChunkedChannel implements ReadableByteChannel {
        private final byte[] data;
        private final int[] chunks;
        private int pos;
        private int call;
        int reads;

        ChunkedChannel(byte[] data, int... chunks) {
            this.data = data;
            this.chunks = chunks;
        }

        @Override
        public int read(ByteBuffer dst) {
            reads++;
            if (pos >= data.length) {
                return -1;
            }
            int want = call < chunks.length ? chunks[call++] : data.length - pos;
            int n = Math.min(Math.min(want, dst.remaining()), data.length - pos);
            dst.put(data, pos, n);
            pos += n;
            return n;
        }

        int consumed() {
            return pos;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] frames(String... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String m : messages) {
            out.writeBytes(bytes(m));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static List<String> readAll(VarlinkReader r) throws IOException {
        List<String> out = new ArrayList<>();
        byte[] f;
        while ((f = r.readFrame()) != null) {
            out.add(new String(f, StandardCharsets.UTF_8));
        }
        return out;
    }

    // ---- framing ----

    @Test
    void byteByByteReads() throws IOException {
        byte[] data = frames("{\"method\":\"a.b.C\"}", "{\"method\":\"a.b.D\",\"parameters\":{\"x\":\"ü\"}}");
        int[] ones = new int[data.length];
        java.util.Arrays.fill(ones, 1);
        VarlinkReader r = new VarlinkReader(new ChunkedChannel(data, ones), 1024);
        assertThat(readAll(r)).containsExactly("{\"method\":\"a.b.C\"}", "{\"method\":\"a.b.D\",\"parameters\":{\"x\":\"ü\"}}");
    }

    @Test
    void severalMessagesInOneRead() throws IOException {
        byte[] data = frames("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
        ChunkedChannel ch = new ChunkedChannel(data, data.length);
        VarlinkReader r = new VarlinkReader(ch, 1024);
        assertThat(r.readFrame()).asString(StandardCharsets.UTF_8).isEqualTo("{\"a\":1}");
        assertThat(r.hasBuffered()).isTrue();
        assertThat(r.readFrame()).asString(StandardCharsets.UTF_8).isEqualTo("{\"b\":2}");
        assertThat(r.readFrame()).asString(StandardCharsets.UTF_8).isEqualTo("{\"c\":3}");
        assertThat(ch.reads).isEqualTo(1);
        assertThat(r.readFrame()).isNull();
    }

    @Test
    void nulAtAChunkBoundaryAndSplitsEverywhere() throws IOException {
        byte[] data = frames("{\"first\":true}", "{\"second\":[1,2,3]}", "{}");
        for (int split = 1; split < data.length; split++) {
            VarlinkReader r = new VarlinkReader(new ChunkedChannel(data, split, 3, 1), 64);
            assertThat(readAll(r)).as("split at " + split).containsExactly("{\"first\":true}", "{\"second\":[1,2,3]}", "{}");
        }
    }

    @Test
    void bufferGrowsForLargeMessagesAndMessagesExactlyAtTheLimit() throws IOException {
        String big = "{\"s\":\"" + "x".repeat(100_000) + "\"}";
        VarlinkReader r = new VarlinkReader(new ChunkedChannel(frames(big, "{}"), 7000, 5, 90000), big.length());
        assertThat(readAll(r)).containsExactly(big, "{}");
    }

    @Test
    void oversizedMessageFailsWithoutReadingTheRest() {
        int limit = 1000;
        // A sender that never stops: the reader must give up after the limit, not buffer it all.
        ReadableByteChannel endless = new ReadableByteChannel() {
            long total;

            @Override
            public int read(ByteBuffer dst) {
                int n = dst.remaining();
                while (dst.hasRemaining()) {
                    dst.put((byte) 'x');
                }
                total += n;
                if (total > 10L * limit + 65536) {
                    throw new AssertionError("kept reading: " + total);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
        VarlinkReader r = new VarlinkReader(endless, limit);
        assertThatThrownBy(r::readFrame).isInstanceOfSatisfying(MessageTooLargeException.class,
                e -> assertThat(e.limit()).isEqualTo(limit));
    }

    @Test
    void limitPlusOneIsTooLarge() {
        byte[] data = frames("x".repeat(101));
        VarlinkReader r = new VarlinkReader(new ChunkedChannel(data, 10), 100);
        assertThatThrownBy(r::readFrame).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining("larger than the limit of 100 bytes");
        VarlinkReader ok = new VarlinkReader(new ChunkedChannel(frames("x".repeat(100)), 10), 100);
        assertThatThrownBy(() -> VarlinkCodec.parse(ok.readFrame())).isInstanceOf(VarlinkProtocolException.class);
    }

    @Test
    void endOfStreamInsideAMessageIsAProtocolError() throws IOException {
        VarlinkReader r = new VarlinkReader(new ChunkedChannel(bytes("{\"method\":\"a.b.C\"}\0{\"meth"), 4), 1024);
        assertThat(r.readFrame()).isNotNull();
        assertThatThrownBy(r::readFrame).isInstanceOf(VarlinkProtocolException.class)
                .hasMessageContaining("in the middle of a message");
    }

    @Test
    void cleanEndOfStream() throws IOException {
        assertThat(new VarlinkReader(new ChunkedChannel(new byte[0]), 64).readFrame()).isNull();
    }

    @Test
    void emptyMessagesAreNotJson() throws IOException {
        VarlinkReader r = new VarlinkReader(new ChunkedChannel(new byte[] {0, ' ', 0}), 64);
        assertThatThrownBy(() -> VarlinkCodec.parse(r.readFrame())).hasMessage("empty message");
        assertThatThrownBy(() -> VarlinkCodec.parse(r.readFrame())).hasMessage("empty message");
    }

    // ---- strict JSON ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"a\":1} x             | message is not valid JSON",
        "{\"a\":1}{\"b\":2}      | trailing data after the JSON value",
        "{\"a\":1} {\"b\":2}     | trailing data after the JSON value",
        "{\"a\":1,\"a\":2}       | message is not valid JSON",
        "{\"a\":{\"b\":1,\"b\":1}} | message is not valid JSON",
        "{a:1}                   | message is not valid JSON",
        "{'a':1}                 | message is not valid JSON",
        "{\"a\":NaN}             | message is not valid JSON",
        "{\"a\":01}              | message is not valid JSON",
        "{\"a\":1,}              | message is not valid JSON",
        "{\"a\":1                | message is not valid JSON",
        "// comment              | message is not valid JSON",
        "{\"a\":\"\t\"}          | message is not valid JSON",
    })
    void strictJson(String text, String message) {
        assertThatThrownBy(() -> VarlinkCodec.parse(bytes(text)))
                .isInstanceOf(VarlinkProtocolException.class)
                .hasMessageStartingWith(message.strip());
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "{\"a\":" + "[".repeat(VarlinkJson.MAX_NESTING_DEPTH + 5) + "]".repeat(VarlinkJson.MAX_NESTING_DEPTH + 5) + "}";
        assertThatThrownBy(() -> VarlinkCodec.parse(bytes(deep))).isInstanceOf(VarlinkProtocolException.class)
                .hasMessageContaining("nesting depth");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "C0AF",       // overlong '/'
        "E080AF",     // overlong, three bytes
        "EDA080",     // a UTF-16 surrogate encoded in UTF-8
        "80",         // a lone continuation byte
        "C3",         // cut short
        "F4908080",   // beyond U+10FFFF
        "FF",
    })
    void invalidUtf8IsRefused(String hex) {
        byte[] bad = java.util.HexFormat.of().parseHex(hex);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes("{\"method\":\"a.b.C\",\"parameters\":{\"s\":\""));
        out.writeBytes(bad);
        out.writeBytes(bytes("\"}}"));
        assertThatThrownBy(() -> VarlinkCodec.parse(out.toByteArray())).hasMessage("message is not valid UTF-8");
    }

    @Test
    void validUtf8AndEscapes() throws Exception {
        var node = VarlinkCodec.parse(bytes("{\"s\":\"h\u00e9\u20ac\ud83d\ude00\\u0000\\n\"}"));
        assertThat(node.get("s").textValue()).isEqualTo("h\u00e9\u20ac\ud83d\ude00\u0000\n");
    }

    // ---- calls and replies ----

    @Test
    void decodeCalls() throws Exception {
        VarlinkCall c = VarlinkCodec.decodeCall(VarlinkCodec.parse(bytes("{\"method\":\"a.b.C\"}")));
        assertThat(c).isEqualTo(new VarlinkCall("a.b.C", VarlinkJson.object(), false, false, false));
        c = VarlinkCodec.decodeCall(VarlinkCodec.parse(bytes(
                "{\"method\":\"a.b.C\",\"parameters\":null,\"more\":true,\"oneway\":false,\"upgrade\":null}")));
        assertThat(c.more()).isTrue();
        assertThat(c.parameters().isEmpty()).isTrue();
        c = VarlinkCodec.decodeCall(VarlinkCodec.parse(bytes(
                "{\"parameters\":{\"x\":[1]},\"oneway\":true,\"method\":\"a.b.C\",\"org.example\":{\"trace\":1}}")));
        assertThat(c.oneway()).isTrue();
        assertThat(c.parameters().get("x").get(0).intValue()).isEqualTo(1);
        assertThat(c.interfaceName()).isEqualTo("a.b");
        assertThat(c.memberName()).isEqualTo("C");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "[]                                                   | a call is a JSON object",
        "\"x\"                                                | a call is a JSON object",
        "{}                                                   | a call has no 'method'",
        "{\"parameters\":{}}                                  | a call has no 'method'",
        "{\"method\":1}                                       | 'method' is not a string",
        "{\"method\":\"a.b.C\",\"parameters\":[]}             | 'parameters' is not an object",
        "{\"method\":\"a.b.C\",\"parameters\":\"x\"}          | 'parameters' is not an object",
        "{\"method\":\"a.b.C\",\"more\":\"true\"}             | 'more' is not a bool",
        "{\"method\":\"a.b.C\",\"oneway\":1}                  | 'oneway' is not a bool",
        "{\"method\":\"a.b.C\",\"more\":true,\"oneway\":true} | 'more', 'oneway' and 'upgrade' exclude each other",
        "{\"method\":\"a.b.C\",\"upgrade\":true,\"more\":true} | 'more', 'oneway' and 'upgrade' exclude each other",
        "{\"method\":\"a.b.C\",\"id\":1}                      | 'id' is not a key of a call",
        "{\"method\":\"a.b.C\",\"org.example\":1}             | 'org.example' is not a key of a call",
    })
    void badCalls(String text, String message) {
        assertThatThrownBy(() -> VarlinkCodec.decodeCall(VarlinkCodec.parse(bytes(text))))
                .isInstanceOf(VarlinkProtocolException.class)
                .hasMessage(message.strip());
    }

    @Test
    void decodeReplies() throws Exception {
        VarlinkReply r = VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{\"parameters\":{\"a\":1},\"continues\":true}")));
        assertThat(r.continues()).isTrue();
        assertThat(r.isError()).isFalse();
        r = VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{\"error\":\"org.varlink.service.InvalidParameter\",\"parameters\":{\"parameter\":\"x\"}}")));
        assertThat(r.toError()).isEqualTo(OrgVarlinkService.invalidParameter("x"));
        r = VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{}")));
        assertThat(r.parameters().isEmpty()).isTrue();
        assertThatThrownBy(() -> VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{\"error\":\"a.b.E\",\"continues\":true}"))))
                .hasMessage("an error reply cannot continue");
        assertThatThrownBy(() -> VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{\"error\":\"nope\"}"))))
                .hasMessage("'nope' is not an error name");
        assertThatThrownBy(() -> VarlinkCodec.decodeReply(VarlinkCodec.parse(bytes("{\"parameters\":{},\"method\":\"a.b.C\"}"))))
                .hasMessage("'method' is not a key of a reply");
    }

    @Test
    void encodeRoundTrips() throws Exception {
        VarlinkCall call = new VarlinkCall("a.b.C", VarlinkJson.toObject(java.util.Map.of("k", "v\u0000")), true, false, false);
        byte[] wire = VarlinkCodec.toBytes(VarlinkCodec.encode(call));
        assertThat(wire).doesNotContain((byte) 0);
        assertThat(VarlinkCodec.decodeCall(VarlinkCodec.parse(wire))).isEqualTo(call);
        assertThat(new String(VarlinkCodec.toBytes(VarlinkCodec.encode(VarlinkCall.of("a.b.C", null))), StandardCharsets.UTF_8))
                .isEqualTo("{\"method\":\"a.b.C\"}");

        VarlinkReply reply = VarlinkReply.of(OrgVarlinkService.methodNotFound("a.b.C"));
        assertThat(new String(VarlinkCodec.toBytes(VarlinkCodec.encode(reply)), StandardCharsets.UTF_8))
                .isEqualTo("{\"parameters\":{\"method\":\"a.b.C\"},\"error\":\"org.varlink.service.MethodNotFound\"}");
        assertThat(new String(VarlinkCodec.toBytes(VarlinkCodec.encode(VarlinkReply.continuing(null))), StandardCharsets.UTF_8))
                .isEqualTo("{\"parameters\":{},\"continues\":true}");
    }

    @Test
    void writerTerminatesWithNulAndRefusesOversized() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VarlinkWriter w = new VarlinkWriter(Channels.newChannel(out), 40);
        w.write(VarlinkReply.of(VarlinkJson.toObject(java.util.Map.of("s", "a\u0000b"))));
        byte[] b = out.toByteArray();
        assertThat(b[b.length - 1]).isZero();
        assertThat(java.util.Arrays.copyOf(b, b.length - 1)).doesNotContain((byte) 0);
        out.reset();
        assertThatThrownBy(() -> w.write(VarlinkReply.of(VarlinkJson.toObject(java.util.Map.of("s", "x".repeat(40))))))
                .isInstanceOf(MessageTooLargeException.class);
        assertThat(out.size()).isZero();
    }

    @Test
    void errorsAndNames() {
        assertThatThrownBy(() -> VarlinkError.of("NoDots")).isInstanceOf(IllegalArgumentException.class);
        VarlinkError e = VarlinkError.of("io.systemd.Manager.NoSuchUnit", "name", "x.service");
        assertThat(e.interfaceName()).isEqualTo("io.systemd.Manager");
        assertThat(e.memberName()).isEqualTo("NoSuchUnit");
        assertThat(e.text("name")).isEqualTo("x.service");
        assertThat(e.toException().is("io.systemd.Manager.NoSuchUnit")).isTrue();
        assertThat(e.toString()).isEqualTo("io.systemd.Manager.NoSuchUnit {\"name\":\"x.service\"}");
    }
}
