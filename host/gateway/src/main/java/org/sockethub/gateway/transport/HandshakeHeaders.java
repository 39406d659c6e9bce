package org.sockethub.gateway.transport;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * The headers of a connection's handshake request (Socket.IO's handshake headers), kept for the
 * life of the connection: one array of names and values, not Jetty's own header object, which
 * keeps the whole HTTP exchange of the handshake reachable. Names are matched without regard to
 * case.
 */
final class HandshakeHeaders {

    /** name, value, name, value, … in request order. */
    private final String[] fields;

    private HandshakeHeaders(String[] fields) {
        this.fields = fields;
    }

    /**
     * @param request the handshake request's headers
     * @return the handshake headers
     */
    static HandshakeHeaders of(HttpFields request) {
        String[] fields = new String[2 * request.size()];
        int i = 0;
        for (HttpField field : request) {
            fields[i++] = field.getName();
            fields[i++] = field.getValue();
        }
        return new HandshakeHeaders(fields);
    }

    /**
     * @param name a header name, in any case
     * @return its first value, or {@code null} if it is absent
     */
    String first(String name) {
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                return fields[i + 1];
            }
        }
        return null;
    }
}
