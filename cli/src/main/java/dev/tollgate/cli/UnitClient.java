package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkException;
import dev.tollgate.varlink.VarlinkCodec;
import dev.tollgate.varlink.VarlinkProtocolException;
import dev.tollgate.varlink.VarlinkReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GetUnit} and {@code GetUnits}, and only those, over one connection, with jackson-core's streaming parser
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
            g.writeStringField("method", ManagerInterface.GET_UNIT);
            g.writeObjectFieldStart("parameters");
            g.writeStringField("name", name);
            g.writeEndObject();
            g.writeEndObject();
        }
        return read(exchange(call));
    }

    /**
     * One unit per name, in order, in one call (GetUnits): names tollgated does not know come
     * back as not-found units.
     */
    List<UnitInfo> getUnits(List<String> names) throws IOException {
        try {
            return getUnitsOnce(names);
        } catch (VarlinkException e) {
            // A reply over the daemon's message limit (1 MiB: a thousand units fit, with room to
            // spare) is refused as a whole: ask for each half.
            if (names.size() < 2 || !e.name().equals(ManagerInterface.INTERNAL_ERROR) || e.getMessage() == null
                    || !e.getMessage().contains("is larger than")) {
                throw e;
            }
            List<UnitInfo> units = new ArrayList<>(getUnits(names.subList(0, names.size() / 2)));
            units.addAll(getUnits(names.subList(names.size() / 2, names.size())));
            return units;
        }
    }

    private List<UnitInfo> getUnitsOnce(List<String> names) throws IOException {
        ByteArrayOutputStream call = new ByteArrayOutputStream(64 + 32 * names.size());
        try (JsonGenerator g = JSON.createGenerator(call)) {
            g.writeStartObject();
            g.writeStringField("method", ManagerInterface.GET_UNITS);
            g.writeObjectFieldStart("parameters");
            g.writeArrayFieldStart("names");
            for (String n : names) {
                g.writeString(n);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        }
        List<UnitInfo> units = readUnits(exchange(call));
        if (units.size() != names.size()) {
            throw new VarlinkProtocolException("GetUnits answered " + units.size() + " units for " + names.size() + " names");
        }
        return units;
    }

    /** Sends one call (without its NUL) and reads its reply. */
    private byte[] exchange(ByteArrayOutputStream call) throws IOException {
        call.write(VarlinkCodec.NUL);
        ByteBuffer out = ByteBuffer.wrap(call.toByteArray());
        while (out.hasRemaining()) {
            channel.write(out);
        }
        byte[] reply = reader.readFrame();
        if (reply == null) {
            throw new IOException("tollgated closed the connection without a reply");
        }
        return reply;
    }

    /** The units of a GetUnits reply; errors thrown as VarlinkException. */
    static List<UnitInfo> readUnits(byte[] reply) throws IOException {
        List<UnitInfo> units = null;
        boolean error = false;
        try (JsonParser p = JSON.createParser(reply)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("error")) {
                    error = true;
                    p.skipChildren();
                } else if (field.equals("parameters") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String param = p.currentName();
                        JsonToken v = p.nextToken();
                        if (param.equals("units") && v == JsonToken.START_ARRAY) {
                            units = new ArrayList<>();
                            while (p.nextToken() == JsonToken.START_OBJECT) {
                                units.add(UnitInfoReader.unit(p));
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (error) {
            throw VarlinkCodec.decodeReply(VarlinkCodec.parse(reply, 0, reply.length)).toError().toException();
        }
        if (units == null) {
            throw new VarlinkProtocolException("a GetUnits reply without units");
        }
        return units;
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
            if (error.equals(ManagerInterface.NO_SUCH_UNIT)) {
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
