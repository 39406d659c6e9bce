package org.sockethub.platform.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * What a credentials object says about where and as whom to log in (spec/platforms.md §4.2).
 *
 * <p>The XMPP domain is always the domain of {@code userAddress}; {@code server} and {@code port}
 * only choose the TCP endpoint, so a {@code server} that differs from the JID's domain never
 * changes the login domain.
 *
 * @param username  the local part of the JID
 * @param domain    the XMPP domain (the JID's domain part)
 * @param resource  the resource
 * @param password  the SASL secret
 * @param service   the upstream-style service string: {@code server ?? domain}, plus {@code :port}
 * @param host      the host to connect to, or {@code null} to look the domain up (SRV, then the domain)
 * @param port      the port, or {@code 0} for the default (5222, or 5223 for {@code xmpps://})
 * @param directTls {@code true} for {@code xmpps://}: TLS from the first byte
 */
record XmppAccount(String username, String domain, String resource, String password, String service,
                   String host, int port, boolean directTls) {

    static final String NOT_A_JID = "xmpp credentials.object.userAddress must be a JID in the form 'user@server'";
    static final String MISSING_PART = "xmpp credentials.object.userAddress is missing the username or server portion";

    /**
     * @param object the {@code object} of a credentials activity
     * @return the account
     * @throws IllegalArgumentException with the upstream message when {@code userAddress} is not a bare JID
     */
    static XmppAccount of(JsonNode object) {
        JsonNode address = object.path("userAddress");
        String userAddress = address.isTextual() ? address.asText() : "";
        int at = userAddress.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException(NOT_A_JID);
        }
        String username = userAddress.substring(0, at);
        String domain = userAddress.substring(at + 1);
        if (username.isEmpty() || domain.isEmpty()) {
            throw new IllegalArgumentException(MISSING_PART);
        }
        String server = object.path("server").isTextual() && !object.path("server").asText().isEmpty()
                ? object.path("server").asText() : null;
        String service = server != null ? server : domain;
        if (object.path("port").isNumber()) {
            service = service + ":" + object.path("port").asInt();
        }
        String host = null;
        int port = 0;
        boolean directTls = false;
        if (server != null) {
            String endpoint = server;
            if (server.contains("://")) {
                try {
                    URI uri = new URI(server);
                    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                    if (!scheme.equals("xmpp") && !scheme.equals("xmpps")) {
                        throw new IllegalArgumentException("xmpp credentials.object.server: unsupported scheme " + scheme
                                + " (use xmpp://host:port or xmpps://host:port)");
                    }
                    directTls = scheme.equals("xmpps");
                    host = uri.getHost();
                    port = Math.max(uri.getPort(), 0);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("xmpp credentials.object.server is not a valid address: " + server);
                }
            } else {
                int colon = endpoint.lastIndexOf(':');
                if (colon > 0 && endpoint.indexOf(':') == colon && endpoint.substring(colon + 1).matches("\\d{1,5}")) {
                    host = endpoint.substring(0, colon);
                    port = Integer.parseInt(endpoint.substring(colon + 1));
                } else {
                    host = endpoint;
                }
            }
        }
        if (object.path("port").isNumber()) {
            port = object.path("port").asInt();
            if (host == null) {
                host = domain;
            }
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("xmpp credentials.object.port must be between 1 and 65535");
        }
        if (directTls && port == 0) {
            port = 5223;
        }
        if (host != null && port == 0) {
            port = 5222;
        }
        return new XmppAccount(username, domain, object.path("resource").asText(""),
                object.path("password").asText(""), service, host, port, directTls);
    }

    /** @return {@code user@domain} */
    String bareJid() {
        return username + "@" + domain;
    }
}
