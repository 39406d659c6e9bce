package org.sockethub.gateway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Consumer;

/** What the transport reports to the gateway. */
public interface ClientEvents {

    /**
     * A client connected.
     *
     * @param socket the client
     */
    void connected(ClientSocket socket);

    /**
     * A client sent an event.
     *
     * @param socket the client
     * @param event  the event name
     * @param args   its arguments as JSON, the ack function excluded ({@code null} items are JSON nulls)
     * @param ack    the ack function, or {@code null} when the client asked for none; call it at most
     *               once (later calls are ignored); like {@link ClientSocket#emit}, it sends
     *               asynchronously and the payload must not be modified afterwards
     */
    void event(ClientSocket socket, String event, List<JsonNode> args, Consumer<JsonNode> ack);

    /**
     * A client went away.
     *
     * @param socket the client
     * @param reason Socket.IO's reason text
     */
    void disconnected(ClientSocket socket, String reason);
}
