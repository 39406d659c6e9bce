package org.sockethub.gateway.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * A Socket.IO protocol 5 packet, as socket.io-parser 4 (the reference server's) reads and writes
 * it inside an Engine.IO message: {@code <type>[<attachments>-][<namespace>,][<id>][<JSON>]}.
 *
 * <p>The JSON is read into Jackson's tree and written from it, with nothing in between: the
 * gateway gets the nodes it validates and forwards, and what it sends goes out as the text
 * Jackson writes. The rules of what is valid are socket.io-parser's ({@code isPayloadValid}); a
 * packet that breaks them is a {@link DecodingException}, for which the reference closes the
 * connection.
 *
 * @param type        the packet type ({@link #CONNECT} … {@link #BINARY_ACK})
 * @param namespace   the namespace, {@code /} when none was given
 * @param id          the ack id, or {@code -1}
 * @param attachments the number of binary attachments that follow (binary packets), else {@code 0}
 * @param data        the JSON data, or {@code null} when the packet has none
 */
record SocketIoPacket(int type, String namespace, long id, int attachments, JsonNode data) {

    static final int CONNECT = 0;
    static final int DISCONNECT = 1;
    static final int EVENT = 2;
    static final int ACK = 3;
    static final int CONNECT_ERROR = 4;
    static final int BINARY_EVENT = 5;
    static final int BINARY_ACK = 6;

    /** Event names a client may not send (socket.io-parser's {@code RESERVED_EVENTS}). */
    private static final Set<String> RESERVED = Set.of(
            "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

    /** As the HTTP actions read JSON, but strict about what follows it, like {@code JSON.parse}. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A packet socket.io-parser would refuse: the reference closes the connection. */
    static final class DecodingException extends RuntimeException {
        DecodingException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param text an Engine.IO message's text
     * @return the packet it holds
     * @throws DecodingException if it is not a valid Socket.IO packet
     */
    static SocketIoPacket decode(String text) {
        int length = text.length();
        if (length == 0) {
            throw new DecodingException("unknown packet type");
        }
        int type = text.charAt(0) - '0';
        if (type < CONNECT || type > BINARY_ACK) {
            throw new DecodingException("unknown packet type " + text.charAt(0));
        }
        int i = 1;
        int attachments = 0;
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            int dash = text.indexOf('-', i);
            if (dash < 0) {
                throw new DecodingException("illegal attachments");
            }
            attachments = (int) digits(text, i, dash, 9, "illegal attachments");
            i = dash + 1;
        }
        String namespace = "/";
        if (i < length && text.charAt(i) == '/') {
            int comma = text.indexOf(',', i);
            int end = comma < 0 ? length : comma;
            namespace = text.substring(i, end);
            i = comma < 0 ? length : comma + 1;
        }
        long id = -1;
        int start = i;
        while (i < length && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        if (i > start) {
            id = digits(text, start, i, 15, "invalid ack id"); // JavaScript's exact integers
        }
        JsonNode data = null;
        if (i < length) {
            try {
                data = JSON.readTree(text.substring(i));
            } catch (JsonProcessingException e) {
                throw new DecodingException("invalid payload");
            }
        }
        if (!valid(type, data)) {
            throw new DecodingException("invalid payload");
        }
        return new SocketIoPacket(type, namespace, id, attachments, data);
    }

    private static long digits(String text, int from, int to, int most, String error) {
        if (to == from || to - from > most) {
            throw new DecodingException(error);
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new DecodingException(error);
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** socket.io-parser's {@code isPayloadValid}, applied as it does: only to a packet with data (and to DISCONNECT). */
    private static boolean valid(int type, JsonNode data) {
        if (data == null) {
            return true;
        }
        return switch (type) {
            case CONNECT -> data.isObject();
            case DISCONNECT -> false;
            case CONNECT_ERROR -> data.isTextual() || data.isObject();
            case EVENT, BINARY_EVENT -> data.isArray() && !data.isEmpty()
                    && (data.get(0).isNumber() || data.get(0).isTextual() && !RESERVED.contains(data.get(0).textValue()));
            default -> data.isArray(); // ACK, BINARY_ACK
        };
    }

    /** @return the event's name (a number, as JavaScript's emitter would key it, becomes its text) */
    String eventName() {
        JsonNode name = data.get(0);
        return name.isTextual() ? name.textValue() : name.asText();
    }

    /**
     * Puts the binary attachments in place of their placeholders
     * ({@code {"_placeholder":true,"num":n}}), each as the JSON form of a Node.js {@code Buffer}
     * ({@code {"type":"Buffer","data":[…]}}), which is what the reference's pipeline sees of one.
     *
     * @param buffers the attachments, in order
     * @return the packet with its attachments in place
     * @throws DecodingException if a placeholder names no attachment (socket.io-parser's "illegal attachments")
     */
    SocketIoPacket withAttachments(List<byte[]> buffers) {
        return new SocketIoPacket(type == BINARY_EVENT ? EVENT : ACK, namespace, id, 0, reconstruct(data, buffers));
    }

    private static JsonNode reconstruct(JsonNode node, List<byte[]> buffers) {
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, reconstruct(array.get(i), buffers));
            }
        } else if (node instanceof ObjectNode object) {
            if (object.path("_placeholder").asBoolean(false) && object.get("_placeholder").isBoolean()) {
                JsonNode num = object.get("num");
                if (num == null || !num.isIntegralNumber() || num.asLong() < 0 || num.asLong() >= buffers.size()) {
                    throw new DecodingException("illegal attachments");
                }
                ObjectNode buffer = JsonNodeFactory.instance.objectNode();
                buffer.put("type", "Buffer");
                ArrayNode bytes = buffer.putArray("data");
                for (byte b : buffers.get(num.intValue())) {
                    bytes.add(b & 0xff);
                }
                return buffer;
            }
            object.fields().forEachRemaining(e -> e.setValue(reconstruct(e.getValue(), buffers)));
        }
        return node;
    }

    /** @return {@code 0{"sid":"…"}}, the answer to a CONNECT (a session id needs no escaping: engine.io's alphabet) */
    static String connected(String sid) {
        return "0{\"sid\":\"" + sid + "\"}";
    }

    /** @return the CONNECT_ERROR the reference answers a CONNECT to a namespace it does not have with */
    static String invalidNamespace(String namespace) {
        return "4" + namespace + ",{\"message\":\"Invalid namespace\"}";
    }

    /** @return a DISCONNECT of the default namespace */
    static String disconnect() {
        return "1";
    }

    /**
     * @param event   the event name
     * @param payload its one argument
     * @return {@code 2["<event>",<payload>]}
     */
    static String event(String event, JsonNode payload) {
        StringWriter out = new StringWriter(256);
        out.write("2[\"");
        char[] name = JsonStringEncoder.getInstance().quoteAsString(event);
        out.write(name, 0, name.length);
        out.write("\",");
        return write(out, payload);
    }

    /**
     * @param id      the ack id the client gave
     * @param payload the ack's one argument
     * @return {@code 3<id>[<payload>]}
     */
    static String ack(long id, JsonNode payload) {
        StringWriter out = new StringWriter(256);
        out.write('3');
        out.write(Long.toString(id));
        out.write('[');
        return write(out, payload);
    }

    private static String write(StringWriter out, JsonNode payload) {
        try {
            JSON.writeValue(out, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write(']');
        return out.toString();
    }
}
