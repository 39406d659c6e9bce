package org.sockethub.launcher.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.sockethub.api.PlatformContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What one platform instance gets from its worker. */
final class WorkerContext implements PlatformContext {

    private final String platformId;
    private volatile String actorId;
    private final ObjectNode config;
    private final Logger log;
    private final boolean persistent;
    private final Consumer<ObjectNode> push;
    private final java.util.function.Function<ObjectNode, CompletionStage<Void>> rename;

    WorkerContext(String platformId, String actorId, ObjectNode config, boolean persistent, Consumer<ObjectNode> push,
                  java.util.function.Function<ObjectNode, CompletionStage<Void>> rename) {
        this.platformId = platformId;
        this.actorId = actorId;
        this.config = config;
        this.persistent = persistent;
        this.push = push;
        this.rename = rename;
        this.log = LoggerFactory.getLogger("platform." + platformId);
    }

    @Override
    public String platformId() {
        return platformId;
    }

    @Override
    public String actorId() {
        return actorId;
    }

    @Override
    public ObjectNode config() {
        return config;
    }

    @Override
    public Logger log() {
        return log;
    }

    @Override
    public void sendToClient(ObjectNode activity) {
        if (!persistent) {
            log.warn("sendToClient ignored: stateless platforms cannot push");
            return;
        }
        push.accept(activity);
    }

    @Override
    public CompletionStage<Void> updateActor(ObjectNode credentials) {
        String next = credentials == null ? "" : credentials.path("actor").path("id").asText("");
        if (!persistent || next.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    persistent ? "updateActor needs credentials with an actor id" : "stateless platforms have no actor"));
        }
        String previous = actorId;
        actorId = next;
        return rename.apply(credentials).whenComplete((ok, error) -> {
            if (error != null) {
                actorId = previous;
            }
        });
    }
}
