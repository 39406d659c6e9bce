package org.sockethub.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;

/**
 * What the host gives one {@link PlatformInstance}.
 */
@ProviderType
public interface PlatformContext {

    /**
     * The platform id, e.g. {@code "irc"}.
     *
     * @return the id
     */
    String platformId();

    /**
     * The actor id this instance serves (persistent platforms), or the platform id (stateless).
     *
     * @return the actor id
     */
    String actorId();

    /**
     * This instance's configuration: the descriptor's defaults with the operator's
     * {@code packageConfig} for this platform merged over them (shallow; operator values win).
     *
     * @return a read-only view; do not modify
     */
    ObjectNode config();

    /**
     * A logger for this instance. Never log credential values.
     *
     * @return the logger
     */
    Logger log();

    /**
     * Pushes an unsolicited activity (an incoming chat message, a presence change…) to every
     * client session attached to this instance. The host stamps the canonical {@code @context}
     * and drops the activity, with a log line, if the platform's {@code responses} schema does
     * not admit it (activities with {@code type: "error"} or an {@code error} field are exempt).
     * Only persistent platforms may push; for stateless platforms the call is logged and ignored.
     *
     * @param activity the activity to deliver
     */
    void sendToClient(ObjectNode activity);

    /**
     * Re-keys this instance after its protocol identity changed (e.g. an IRC nick change).
     * Later jobs for the new actor id reach this same instance; jobs already queued are not lost.
     *
     * @param credentials the new credentials activity, whose {@code actor.id} is the new id
     * @return completes when the host has re-keyed the instance, exceptionally if it refused
     */
    CompletionStage<Void> updateActor(ObjectNode credentials);
}
