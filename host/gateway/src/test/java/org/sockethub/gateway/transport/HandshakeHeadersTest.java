package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class HandshakeHeadersTest {

    private final HttpFields request = HttpFields.build()
            .add("Host", "127.0.0.1:10550")
            .add("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
            .add("Accept", "a")
            .add("accept", "b")
            .add(EngineIoServlet.REMOTE_HEADER, "forged by the client")
            .asImmutable();

    @Test
    void findsHeadersWhateverTheirCase() {
        Map<String, List<String>> headers = HandshakeHeaders.of(request, "127.0.0.1");
        assertEquals(List.of("203.0.113.7, 10.0.0.1"), headers.get("x-forwarded-for"));
        assertEquals(List.of("a", "b"), headers.get("ACCEPT"));
        assertTrue(headers.containsKey("host"));
        assertNull(headers.get("cookie"));
        assertFalse(headers.containsKey(42));
    }

    @Test
    void theRemoteAddressIsOursNeverTheClients() {
        Map<String, List<String>> headers = HandshakeHeaders.of(request, "127.0.0.1");
        assertEquals(List.of("127.0.0.1"), headers.get(EngineIoServlet.REMOTE_HEADER));
        assertEquals(List.of("Host", "X-Forwarded-For", "Accept", EngineIoServlet.REMOTE_HEADER),
                headers.entrySet().stream().map(Map.Entry::getKey).toList());
    }
}
