package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.JsonNode;

/** One connected Socket.IO client, as the gateway sees it: no Socket.IO types leak out. */
public interface ClientSocket {

    /** @return the socket id (also the session id) */
    String id();

    /** @return the client's IP address as the server saw it */
    String remoteAddress();

    /**
     * @param name a request header of the handshake
     * @return its first value, or {@code null}
     */
    String header(String name);

    /**
     * Sends an event to the client, asynchronously and in order with everything else sent to
     * this client. The payload is serialised later, so it must not be modified afterwards.
     *
     * @param event   the event name
     * @param payload its single argument
     */
    void emit(String event, JsonNode payload);

    /** Disconnects the client from the server side ({@code io server disconnect}). */
    void disconnect();
}
