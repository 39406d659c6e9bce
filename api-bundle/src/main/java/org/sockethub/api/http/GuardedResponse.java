package org.sockethub.api.http;

import java.net.URI;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The final response of a guarded fetch, after redirects, with its whole (capped) body. */
public final class GuardedResponse {

    private final URI url;
    private final int status;
    private final String reason;
    private final Map<String, List<String>> headers;
    private final byte[] body;

    GuardedResponse(URI url, int status, String reason, Map<String, List<String>> headers, byte[] body) {
        this.url = url;
        this.status = status;
        this.reason = reason == null ? "" : reason;
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            if (k != null) {
                h.put(k, List.copyOf(v));
            }
        });
        this.headers = h;
        this.body = body;
    }

    /** @return the URL that answered, after redirects */
    public URI url() {
        return url;
    }

    /** @return the HTTP status code */
    public int status() {
        return status;
    }

    /** @return the reason phrase of the status line, possibly empty */
    public String reason() {
        return reason;
    }

    /** @return {@code true} for a 2xx status */
    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /**
     * @param name a header name, any case
     * @return its first value
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
    }

    /** @return the media type of {@code Content-Type} in lower case, without parameters */
    public Optional<String> mediaType() {
        return header("Content-Type").map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT)).filter(v -> !v.isEmpty());
    }

    /** @return the {@code charset} parameter of {@code Content-Type}, if it names a known charset */
    public Optional<Charset> charset() {
        Optional<String> type = header("Content-Type");
        if (type.isEmpty()) {
            return Optional.empty();
        }
        for (String param : type.get().split(";")) {
            String[] kv = param.trim().split("=", 2);
            if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("charset")) {
                String name = kv[1].trim().replace("\"", "").replace("'", "");
                try {
                    return Optional.of(Charset.forName(name));
                } catch (RuntimeException unknown) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** @return the body (not copied; do not modify) */
    public byte[] body() {
        return body;
    }
}
