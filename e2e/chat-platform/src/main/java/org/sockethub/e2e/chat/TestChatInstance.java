package org.sockethub.e2e.chat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Timer;
import java.util.TimerTask;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * One pretend chat connection. {@code connect} fails for the password {@code wrong}; {@code send}
 * pushes {@code heard: <content>} to every session of the instance; {@code update} renames the
 * actor to {@code target.id}; {@code wait} completes after {@code object.ms} milliseconds.
 */
public class TestChatInstance implements PlatformInstance {

    private static final Timer TIMER = new Timer("testchat", true);
    private final PlatformContext context;
    private volatile boolean connected;

    public TestChatInstance(PlatformContext context) {
        this.context = context;
    }

    @Override
    public boolean isInitialized() {
        return connected;
    }

    @Override
    public void cleanup() {
        connected = false;
    }

    @Verb
    public void connect(Job job) {
        ObjectNode object = (ObjectNode) job.credentials().orElseThrow().get("object");
        if ("wrong".equals(object.path("password").asText())) {
            job.fail("authentication failed");
            return;
        }
        connected = true;
        job.complete();
    }

    @Verb
    public void send(Job job) {
        ObjectNode heard = JsonNodeFactory.instance.objectNode();
        heard.put("type", "send");
        heard.putObject("actor").put("id", "room").put("type", "room");
        heard.set("target", job.activity().get("actor"));
        heard.putObject("object").put("type", "message")
                .put("content", "heard: " + job.activity().path("object").path("content").asText());
        context.sendToClient(heard);
        job.complete();
    }

    @Verb
    public void update(Job job) {
        ObjectNode renamed = job.credentials().orElseThrow().deepCopy();
        renamed.putObject("actor").put("id", job.activity().path("target").path("id").asText()).put("type", "person");
        context.updateActor(renamed).whenComplete((ok, error) -> {
            if (error != null) {
                job.fail(error);
            } else {
                job.complete();
            }
        });
    }

    @Verb
    public void wait(Job job) {
        TIMER.schedule(new TimerTask() {
            @Override
            public void run() {
                job.complete();
            }
        }, Math.max(0, job.activity().path("object").path("ms").asLong(0)));
    }

    @Verb
    public void disconnect(Job job) {
        connected = false;
        job.complete();
    }
}
