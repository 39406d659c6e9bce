package org.sockethub.gateway.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The formats decide what clients, validating locally with ajv-formats, accept: these are the
 * verdicts of the reference validator for the same strings.
 */
class AjvFormatsTest {

    @ParameterizedTest(name = "date-time \"{0}\" → {1}")
    @CsvSource(delimiter = '|', value = {
            "2024-01-02T10:00:00.000Z|true",
            "2024-01-02t10:00:00Z|true",
            "2024-01-02 10:00:00Z|true",
            "2024-01-02T10:00:00|true",          // the time zone is effectively optional
            "2024-01-02T10:00:00+01|true",
            "2024-01-02T10:00:00+0100|true",
            "2024-01-02T10:00:00-00:00|true",
            "2024-01-02T23:59:60Z|true",         // a leap second on any date
            "2024-02-29T00:00:00Z|true",
            "2023-02-29T00:00:00Z|false",
            "2024-02-30T00:00:00Z|false",
            "2024-01-02T24:00:00Z|false",
            "2024-01-02|false",
            "yesterday|false",
            "2024-01-02T10:00Z|false",
    })
    void dateTime(String value, boolean valid) {
        assertEquals(valid, AjvFormats.DateTime.valid(value));
    }

    @ParameterizedTest(name = "iri \"{0}\" → {1}")
    @CsvSource(delimiter = '|', value = {
            "https://example.com/feed.xml|true",
            "http://a b.com/|true",
            "http://example.com/a b|true",
            "https://example.com/%zz|true",
            "http:|true",
            "http://|true",
            "xmpp:user@example.com|true",
            "tag:example.com,2024:x|true",
            "https://例え.jp/パス|true",
            "irc://irc.example.net/#room|false",  // a fragment
            "a:b|false",                           // not an IANA scheme
            "1http://x|false",
            "example.org/path|false",
            "//example.org/x|false",
            "not a url|false",
    })
    void iri(String value, boolean valid) {
        assertEquals(valid, AjvFormats.Iri.valid(value));
    }
}
