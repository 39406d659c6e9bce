package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class HandshakeHeadersTest {

    private final HttpFields request = HttpFields.build()
            .add("Host", "127.0.0.1:10550")
            .add("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
            .add("Accept", "a")
            .add("accept", "b")
            .asImmutable();

    @Test
    void findsHeadersWhateverTheirCase() {
        HandshakeHeaders headers = HandshakeHeaders.of(request);
        assertEquals("203.0.113.7, 10.0.0.1", headers.first("x-forwarded-for"));
        assertEquals("a", headers.first("ACCEPT"));
        assertEquals("127.0.0.1:10550", headers.first("host"));
        assertNull(headers.first("cookie"));
    }
}
