package org.sockethub.gateway.transport;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads {@code sockethub.cors.origin} as the reference does (spec §6.5): empty or {@code *} allows
 * any origin (so does a list containing {@code *}, with a warning); otherwise a comma-separated
 * list whose entries are normalised to their URL origin (lower case, no path or trailing slash,
 * default port dropped). Entries that are not origins are dropped with a warning, and a list
 * that ends up empty allows no cross-origin request at all.
 */
public final class CorsOrigins {

    private CorsOrigins() {
    }

    /**
     * @param setting the configured value
     * @param warn    receives warnings
     * @return the allowed origins, or {@code null} for any
     */
    public static String[] parse(String setting, Consumer<String> warn) {
        String value = setting == null ? "" : setting.trim();
        if (value.isEmpty() || value.equals("*")) {
            return null;
        }
        List<String> origins = new ArrayList<>();
        for (String raw : value.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                warn.accept("cors.origin lists \"*\" among other origins: any origin is allowed");
                return null;
            }
            String origin = normalise(entry);
            if (origin == null) {
                warn.accept("cors.origin entry \"" + entry + "\" is not an origin; ignored");
            } else if (!origins.contains(origin)) {
                origins.add(origin);
            }
        }
        if (origins.isEmpty()) {
            warn.accept("cors.origin allows no valid origin: every cross-origin request is refused");
        }
        return origins.toArray(new String[0]);
    }

    static String normalise(String entry) {
        try {
            URI uri = new URI(entry);
            String scheme = uri.getScheme();
            String host = uri.getHost();
            if (scheme == null || host == null || uri.isOpaque()) {
                return null;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
