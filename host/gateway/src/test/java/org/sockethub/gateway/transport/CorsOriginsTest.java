package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsOriginsTest {

    private final List<String> warnings = new ArrayList<>();

    @Test
    void emptyOrStarAllowsAny() {
        assertNull(CorsOrigins.parse("", warnings::add));
        assertNull(CorsOrigins.parse("*", warnings::add));
        assertNull(CorsOrigins.parse("https://a.example, *", warnings::add));
        assertEquals(1, warnings.size());
    }

    @Test
    void entriesAreNormalisedToOrigins() {
        assertArrayEquals(new String[] {"https://app.example", "http://localhost:8080"},
                CorsOrigins.parse("HTTPS://App.Example:443/, http://localhost:8080/path, https://app.example", warnings::add));
    }

    @Test
    void aListWithNoValidOriginRefusesEveryone() {
        assertArrayEquals(new String[0], CorsOrigins.parse("not an origin, null", warnings::add));
        assertEquals(3, warnings.size());
    }
}
