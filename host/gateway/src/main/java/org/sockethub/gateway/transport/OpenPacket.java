package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites Engine.IO's open packet into the reference server's form. engine.io-server writes
 * {@code 0{"sid": "…", "upgrades": […], "pingInterval": …, "pingTimeout": …}} with spaces and
 * without {@code maxPayload}; the reference sends compact JSON with {@code maxPayload}, which
 * the client uses to size its polling batches.
 */
final class OpenPacket {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * engine.io-server's own form (its {@code HANDSHAKE_JSON}), with a session id of URL-safe
     * characters: rewritten without a JSON parser, as every connection gets one.
     */
    private static final Pattern ENGINE_IO_FORM = Pattern.compile(
            "0\\{\"sid\": \"([A-Za-z0-9_.~-]*)\", \"upgrades\": (\\[(?:\"websocket\")?]), \"pingInterval\": (\\d+), \"pingTimeout\": (\\d+)}");

    private OpenPacket() {
    }

    /**
     * @param packet     an Engine.IO packet as text
     * @param maxPayload the server's message size limit
     * @return the packet, rewritten if it is an open packet
     */
    static String rewrite(String packet, long maxPayload) {
        if (!packet.startsWith("0{")) {
            return packet;
        }
        Matcher usual = ENGINE_IO_FORM.matcher(packet);
        if (usual.matches()) {
            return "0{\"sid\":\"" + usual.group(1) + "\",\"upgrades\":" + usual.group(2) + ",\"pingInterval\":" + usual.group(3)
                    + ",\"pingTimeout\":" + usual.group(4) + ",\"maxPayload\":" + maxPayload + "}";
        }
        try {
            ObjectNode open = (ObjectNode) JSON.readTree(packet.substring(1));
            open.put("maxPayload", maxPayload);
            return "0" + JSON.writeValueAsString(open);
        } catch (Exception notAnOpenPacket) {
            return packet;
        }
    }
}
