package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.api.Manager;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.varlink.VarlinkClient;
import dev.tollgate.api.varlink.VarlinkCodec;
import dev.tollgate.api.varlink.VarlinkProtocolException;
import dev.tollgate.api.varlink.VarlinkReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * {@code GetUnit}, and only that, over one connection, with jackson-core's streaming parser
 * and generator: what {@code show}, {@code status}, {@code is-active} and {@code is-failed}
 * need. {@link dev.tollgate.api.ManagerClient} sets up Jackson's {@code ObjectMapper} (and
 * finds its tree serializers by reflection) before its first call, which costs a cold JVM
 * more than everything else such a query does; this client does not, so that a query takes a
 * few JVM start-ups at most. Framing is the api's {@link VarlinkReader}; errors other than
 * NoSuchUnit are decoded by the api's codec into the usual {@code VarlinkException}; a socket
 * nobody serves fails as {@link VarlinkClient#connect} fails.
 */
final class UnitClient implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final SocketChannel channel;
    private final VarlinkReader reader;

    private UnitClient(SocketChannel channel) {
        this.channel = channel;
        this.reader = new VarlinkReader(channel, VarlinkReader.DEFAULT_MAX_MESSAGE_SIZE * 16);
    }

    static UnitClient connect(Path socket) throws IOException {
        try {
            return new UnitClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (IOException e) {
            // The api's client words each way of failing (not running, stale socket, access
            // denied) as the rest of tollctl knows it: let it fail the same way.
            VarlinkClient.connect(socket).close();
            throw e;
        }
    }

    /** The unit, or null when tollgated has no unit of that name (NoSuchUnit). */
    UnitInfo getUnit(String name) throws IOException {
        ByteArrayOutputStream call = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(call)) {
            g.writeStartObject();
            g.writeStringField("method", Manager.GET_UNIT);
            g.writeObjectFieldStart("parameters");
            g.writeStringField("name", name);
            g.writeEndObject();
            g.writeEndObject();
        }
        call.write(VarlinkCodec.NUL);
        ByteBuffer out = ByteBuffer.wrap(call.toByteArray());
        while (out.hasRemaining()) {
            channel.write(out);
        }
        byte[] reply = reader.readFrame();
        if (reply == null) {
            throw new IOException("tollgated closed the connection without a reply");
        }
        return read(reply);
    }

    /** The unit in a GetUnit reply; null for NoSuchUnit; other errors thrown as VarlinkException. */
    static UnitInfo read(byte[] reply) throws IOException {
        UnitInfo unit = null;
        String error = null;
        try (JsonParser p = JSON.createParser(reply)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("error") && t == JsonToken.VALUE_STRING) {
                    error = p.getText();
                } else if (field.equals("parameters") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String param = p.currentName();
                        JsonToken v = p.nextToken();
                        if (param.equals("unit") && v == JsonToken.START_OBJECT) {
                            unit = UnitInfoReader.unit(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (error != null) {
            if (error.equals(Manager.NO_SUCH_UNIT)) {
                return null;
            }
            // Rare: decoded properly, parameters and all, by the api.
            throw VarlinkCodec.decodeReply(VarlinkCodec.parse(reply, 0, reply.length)).toError().toException();
        }
        if (unit == null) {
            throw new VarlinkProtocolException("a GetUnit reply without a unit");
        }
        return unit;
    }

    private static void expect(JsonToken actual, JsonToken expected) throws VarlinkProtocolException {
        if (actual != expected) {
            throw new VarlinkProtocolException("a reply that is not a JSON object");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
