package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Rewrites Engine.IO's open packet into the reference server's form. engine.io-server writes
 * {@code 0{"sid": "…", "upgrades": […], "pingInterval": …, "pingTimeout": …}} with spaces and
 * without {@code maxPayload}; the reference sends compact JSON with {@code maxPayload}, which
 * the client uses to size its polling batches.
 */
final class OpenPacket {

    private static final ObjectMapper JSON = new ObjectMapper();

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
        try {
            ObjectNode open = (ObjectNode) JSON.readTree(packet.substring(1));
            open.put("maxPayload", maxPayload);
            return "0" + JSON.writeValueAsString(open);
        } catch (Exception notAnOpenPacket) {
            return packet;
        }
    }
}
