package org.sockethub.gateway.validation;

import com.networknt.schema.ExecutionContext;
import com.networknt.schema.format.Format;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The string formats whose verdicts clients can observe, checked the way the reference validator
 * (ajv-formats 2.1.1 and ajv-formats-draft2019) checks them rather than by the letter of the RFCs:
 * a Sockethub client validates locally with those rules, so the server must agree with it.
 */
final class AjvFormats {

    private AjvFormats() {
    }

    /** @return the formats that replace networknt's own */
    static List<Format> all() {
        return List.of(new DateTime(), new Iri());
    }

    /**
     * RFC 3339 date-time as ajv-formats 2.1.1 "full" mode accepts it: the separator is {@code T},
     * {@code t} or any JavaScript white space; the time zone is effectively optional (the
     * library compares an unmatched group with the empty string); {@code 23:59:60} is accepted on
     * any date.
     */
    static final class DateTime implements Format {
        private static final Pattern SEPARATOR = Pattern.compile(
                "[tT\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]");
        private static final Pattern DATE = Pattern.compile("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)");
        private static final Pattern TIME = Pattern.compile(
                "(\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?([zZ]|[+-]\\d\\d(?::?\\d\\d)?)?");
        private static final int[] DAYS = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

        @Override
        public String getName() {
            return "date-time";
        }

        @Override
        public boolean matches(ExecutionContext context, String value) {
            return valid(value);
        }

        static boolean valid(String value) {
            String[] parts = SEPARATOR.split(value, -1);
            return parts.length == 2 && date(parts[0]) && time(parts[1]);
        }

        private static boolean date(String s) {
            Matcher m = DATE.matcher(s);
            if (!m.matches()) {
                return false;
            }
            int year = Integer.parseInt(m.group(1));
            int month = Integer.parseInt(m.group(2));
            int day = Integer.parseInt(m.group(3));
            boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            return month >= 1 && month <= 12 && day >= 1 && day <= (month == 2 && leap ? 29 : DAYS[month]);
        }

        private static boolean time(String s) {
            Matcher m = TIME.matcher(s);
            if (!m.matches()) {
                return false;
            }
            int hour = Integer.parseInt(m.group(1));
            int minute = Integer.parseInt(m.group(2));
            int second = Integer.parseInt(m.group(3));
            return (hour <= 23 && minute <= 59 && second <= 59) || (hour == 23 && minute == 59 && second == 60);
        }
    }

    /**
     * IRI as the reference accepts it: a scheme from the IANA list (see {@code iri-schemes.txt})
     * and no fragment. The scheme is the text before the first {@code :}, provided it holds none
     * of {@code / ? #}; it is percent-decoded, lower-cased and stripped of characters a scheme
     * cannot contain before the look-up.
     */
    static final class Iri implements Format {
        private static final Set<String> SCHEMES = loadSchemes();
        private static final Pattern NOT_SCHEME = Pattern.compile("[^a-z0-9+.-]");

        @Override
        public String getName() {
            return "iri";
        }

        @Override
        public boolean matches(ExecutionContext context, String value) {
            return valid(value);
        }

        static boolean valid(String value) {
            if (value.indexOf('#') >= 0) {
                return false;
            }
            int colon = value.indexOf(':');
            if (colon < 0) {
                return false;
            }
            String raw = value.substring(0, colon);
            if (raw.indexOf('/') >= 0 || raw.indexOf('?') >= 0) {
                return false;
            }
            String scheme;
            try {
                scheme = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException badEscape) {
                scheme = raw;
            }
            scheme = NOT_SCHEME.matcher(scheme.toLowerCase(Locale.ROOT)).replaceAll("");
            return SCHEMES.contains(scheme);
        }

        private static Set<String> loadSchemes() {
            Set<String> schemes = new HashSet<>();
            try (InputStream in = AjvFormats.class.getResourceAsStream("iri-schemes.txt");
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    line = line.trim();
                    if (!line.isEmpty() && !line.startsWith("#")) {
                        schemes.add(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return schemes;
        }
    }
}
