package ${package};

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * The verbs of {@code ${platformId}}: one public {@code @Verb} method per verb of
 * {@code schemas/messages.json}. Complete every job exactly once ({@code complete} or {@code fail}),
 * now or later from another thread; an exception thrown here fails that job only.
 */
public class ${className}Instance implements PlatformInstance {

    private final PlatformContext context;

    public ${className}Instance(PlatformContext context) {
        this.context = context;
    }

    /**
     * Answers with the activity, actor and target swapped. It never waits (the answer is made in
     * memory), so it is declared {@code nonBlocking}: the worker runs it where the job arrives.
     * A verb that does network I/O or may wait on anything keeps the plain {@code @Verb}.
     */
    @Verb(nonBlocking = true)
    public void echo(Job job) {
        job.complete(answer(job.activity()));
    }

    /** As {@link #echo(Job)}, with {@code object.content} prefixed by the configured greeting. */
    @Verb(nonBlocking = true)
    public void greet(Job job) {
        ObjectNode result = answer(job.activity());
        String greeting = context.config().path("greeting").asText("Hello");
        JsonNode object = result.get("object");
        ObjectNode content = object instanceof ObjectNode ? (ObjectNode) object : result.putObject("object");
        content.put("content", greeting + " " + content.path("content").asText(""));
        job.complete(result);
    }

    private static ObjectNode answer(ObjectNode activity) {
        ObjectNode result = activity.deepCopy();
        JsonNode actor = result.remove("actor");
        if (actor != null) {
            result.set("target", actor);
        }
        ObjectNode platform = result.putObject("actor");
        platform.put("id", "${platformId}");
        platform.put("type", "platform");
        return result;
    }
}
