package org.sockethub.platform.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;
import org.sockethub.api.http.GuardedResponse;
import org.sockethub.api.http.HttpGuard;

/** The {@code fetch} verb. Thread-safe: it keeps nothing per job. */
public class FeedsInstance implements PlatformInstance {

    private final PlatformContext context;
    private final HttpGuard http;

    public FeedsInstance(PlatformContext context, String version) {
        this(context, HttpGuard.fromConfig(context.config(), HttpGuard.defaultUserAgent(version)));
    }

    FeedsInstance(PlatformContext context, HttpGuard http) {
        this.context = context;
        this.http = http;
    }

    /**
     * Fetches {@code actor.id} and answers with a {@code collection} of {@code post}s, newest
     * first, filtered by {@code object.since} and {@code object.limit}.
     */
    @Verb
    public void fetch(Job job) throws Exception {
        ObjectNode activity = job.activity();
        String url = activity.path("actor").path("id").asText("");
        JsonNode id = activity.get("id");
        String jobId = id != null && id.isTextual() ? id.asText() : null;
        GuardedResponse response = http.get(url, Map.of("Accept",
                "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"));
        if (!response.ok()) {
            job.fail(new Exception("request failed: " + response.status()
                    + (response.reason().isEmpty() ? "" : " " + response.reason()) + " for " + HttpGuard.redact(url)));
            return;
        }
        FeedMapper.Parsed parsed = FeedMapper.parse(response.body(), response.header("Content-Type").orElse(null), url, jobId);
        JsonNode object = activity.path("object");
        job.complete(FeedMapper.collection(parsed, since(object.get("since")), limit(object.get("limit")), jobId));
    }

    /** The schema already checked it; what cannot be read is ignored, as the reference does. */
    static Long since(JsonNode since) {
        if (since == null || !since.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(since.asText()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Integer limit(JsonNode limit) {
        return limit != null && limit.isIntegralNumber() && limit.asLong() >= 1 ? (int) Math.min(Integer.MAX_VALUE, limit.asLong()) : null;
    }

    @Override
    public void cleanup() {
        http.close();
    }
}
