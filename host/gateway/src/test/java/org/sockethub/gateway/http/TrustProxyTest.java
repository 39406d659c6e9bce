package org.sockethub.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code sockethub.trustProxy} as Express reads "trust proxy" (spec §6.5); addresses only, no lookups. */
class TrustProxyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} auto={1}: peer {2}, X-Forwarded-For \"{3}\" -> {4}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "false           | false | 10.0.0.9  | 203.0.113.7             | 10.0.0.9",
        "false           | false | 10.0.0.9  | null                    | 10.0.0.9",
        "false           | true  | 10.0.0.9  | 203.0.113.7             | 203.0.113.7",
        "false           | true  | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 203.0.113.7",
        "true            | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 198.51.100.1",
        "'\"true\"'      | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 198.51.100.1",
        "'\"false\"'     | false | 10.0.0.9  | 198.51.100.1            | 10.0.0.9",
        "1               | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 203.0.113.7",
        "2               | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 198.51.100.1",
        "5               | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 198.51.100.1",
        "'\"2\"'         | false | 10.0.0.9  | 198.51.100.1, 203.0.113.7 | 198.51.100.1",
        "0               | false | 10.0.0.9  | 203.0.113.7             | 10.0.0.9",
        "'\"loopback\"'  | false | 127.0.0.1 | 203.0.113.7             | 203.0.113.7",
        "'\"loopback\"'  | false | ::1       | 203.0.113.7             | 203.0.113.7",
        "'\"loopback\"'  | false | 10.0.0.9  | 203.0.113.7             | 10.0.0.9",
        "'\"loopback, uniquelocal\"' | false | 127.0.0.1 | 203.0.113.7, 10.1.2.3 | 203.0.113.7",
        "'\"10.0.0.0/8\"' | false | 10.0.0.9 | 192.168.1.1, 10.9.9.9   | 192.168.1.1",
        "'\"10.0.0.9\"'  | false | 10.0.0.9  | 203.0.113.7             | 203.0.113.7",
        "'\"linklocal\"' | false | 169.254.1.1 | 203.0.113.7           | 203.0.113.7",
        "'\"loopback\"'  | false | ::ffff:127.0.0.1 | 203.0.113.7      | 203.0.113.7",
        "'\"loopback\"'  | false | 127.0.0.1 | not-an-address, 127.0.0.2 | not-an-address",
    })
    void findsTheClient(String setting, boolean auto, String peer, String forwarded, String expected) throws Exception {
        JsonNode value = JSON.readTree(setting);
        assertEquals(expected, TrustProxy.of(value, auto).clientAddress(peer, forwarded));
    }
}
