package org.sockethub.gateway.transport;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * The headers of a WebSocket handshake as engine.io-server keeps them for the life of the socket
 * (Socket.IO's handshake headers), plus our {@link EngineIoServlet#REMOTE_HEADER}. One array of
 * names and values instead of a hash map of lists per socket, and not Jetty's own header object,
 * which keeps the whole HTTP exchange of the upgrade reachable. Names are matched without regard
 * to case; the map is read-only.
 */
final class HandshakeHeaders extends AbstractMap<String, List<String>> {

    /** name, value, name, value, … in request order, the remote address last. */
    private final String[] fields;

    private HandshakeHeaders(String[] fields) {
        this.fields = fields;
    }

    /**
     * @param request the upgrade request's headers
     * @param remote  the client's IP address as the server saw it
     * @return the handshake headers
     */
    static HandshakeHeaders of(HttpFields request, String remote) {
        List<String> out = new ArrayList<>(2 * request.size() + 2);
        for (HttpField field : request) {
            if (!EngineIoServlet.REMOTE_HEADER.equalsIgnoreCase(field.getName())) {
                out.add(field.getName());
                out.add(field.getValue());
            }
        }
        out.add(EngineIoServlet.REMOTE_HEADER);
        out.add(remote);
        return new HandshakeHeaders(out.toArray(new String[0]));
    }

    /** @return every value of the header {@code name} (any case), or {@code null} if it is absent */
    @Override
    public List<String> get(Object name) {
        if (!(name instanceof String wanted)) {
            return null;
        }
        List<String> values = null;
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].equalsIgnoreCase(wanted)) {
                if (values == null) {
                    values = new ArrayList<>(1);
                }
                values.add(fields[i + 1]);
            }
        }
        return values == null ? null : List.copyOf(values);
    }

    @Override
    public boolean containsKey(Object name) {
        return get(name) != null;
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
        // one entry per header, named as it was first sent, in request order
        Map<String, String> names = new HashMap<>();
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            String sent = fields[i];
            String name = names.computeIfAbsent(sent.toLowerCase(Locale.ROOT), lower -> sent);
            grouped.computeIfAbsent(name, n -> new ArrayList<>(1)).add(fields[i + 1]);
        }
        grouped.replaceAll((n, values) -> List.copyOf(values));
        return Collections.unmodifiableMap(grouped).entrySet();
    }
}
