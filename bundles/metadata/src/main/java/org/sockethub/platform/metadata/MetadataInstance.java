package org.sockethub.platform.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;
import org.sockethub.api.http.GuardException;
import org.sockethub.api.http.GuardedResponse;
import org.sockethub.api.http.HttpGuard;

/** The {@code fetch} verb. Thread-safe: it keeps nothing per job. */
public class MetadataInstance implements PlatformInstance {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** URL extensions that are certainly not HTML pages (spec/platforms.md §6.3). */
    private static final Set<String> NOT_HTML = Set.of("doc", "docx", "xls", "xlsx", "ppt", "pptx", "3gp", "avi", "mov", "mp4", "m4v", "m4a",
            "mp3", "mkv", "ogv", "ogm", "ogg", "oga", "webm", "wav", "bmp", "gif", "jpg", "jpeg", "png", "webp", "zip", "rar", "tar", "gz",
            "bz2", "tgz", "tbz2", "txt", "pdf");

    private static final Map<Integer, String> STATUS = Map.ofEntries(Map.entry(400, "400 Bad Request"), Map.entry(401, "401 Unauthorized"),
            Map.entry(403, "403 Forbidden"), Map.entry(404, "404 Not Found"), Map.entry(408, "408 Request Timeout"), Map.entry(410, "410 Gone"),
            Map.entry(429, "429 Too Many Requests"), Map.entry(500, "500 Internal Server Error"), Map.entry(502, "502 Bad Gateway"),
            Map.entry(503, "503 Service Unavailable"), Map.entry(504, "504 Gateway Timeout"));

    private final PlatformContext context;
    private final HttpGuard http;

    public MetadataInstance(PlatformContext context, String version) {
        this(context, HttpGuard.fromConfig(context.config(), HttpGuard.defaultUserAgent(version)));
    }

    MetadataInstance(PlatformContext context, HttpGuard http) {
        this.context = context;
        this.http = http;
    }

    /** Fetches {@code actor.id} and answers with the job, its {@code object} the page's preview. */
    @Verb
    public void fetch(Job job) throws Exception {
        ObjectNode activity = job.activity();
        String url = activity.path("actor").path("id").asText("");
        if (isNotHtml(url)) {
            job.fail(new Exception("Must scrape an HTML page"));
            return;
        }
        GuardedResponse response = http.get(url, Map.of("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"));
        if (!response.ok()) {
            int status = response.status();
            String text = STATUS.get(status);
            if (text == null) {
                text = status >= 500 ? "Server has returned a 500 error code"
                        : status >= 400 ? "Server has returned a 400 error code" : "Page not found";
            }
            job.fail(new Exception(text));
            return;
        }
        Optional<String> type = response.mediaType();
        if (type.isPresent() && !type.get().startsWith("text/") && !type.get().equals("application/xhtml+xml")) {
            job.fail(new Exception("Page must return a header content-type with text/"));
            return;
        }
        if (response.body().length == 0) {
            job.fail(new Exception("Page not found"));
            return;
        }
        String finalUrl = response.url().toString();
        Document doc = Jsoup.parse(new ByteArrayInputStream(response.body()), response.charset().map(Charset::name).orElse(null), finalUrl);
        ObjectNode page = PageScraper.scrape(doc, url, charset(doc, response), this::oembed);

        ObjectNode result = activity.deepCopy();
        ObjectNode actor = result.putObject("actor");
        actor.put("id", page.path("url").asText(url));
        actor.put("type", "website");
        String requestName = activity.path("actor").path("name").isTextual() ? activity.path("actor").path("name").asText() : "";
        actor.put("name", page.hasNonNull("name") ? page.get("name").asText() : requestName);
        result.set("object", page);
        job.complete(result);
    }

    /** The charset as the page declares it, else the one the body was decoded with. */
    static String charset(Document doc, GuardedResponse response) {
        Element meta = doc.selectFirst("meta[charset]");
        if (meta != null && !meta.attr("charset").isBlank()) {
            return meta.attr("charset").trim().toLowerCase(Locale.ROOT);
        }
        meta = doc.selectFirst("meta[name=charset][content]");
        if (meta != null && !meta.attr("content").isBlank()) {
            return meta.attr("content").trim().toLowerCase(Locale.ROOT);
        }
        meta = doc.selectFirst("meta[http-equiv=content-type][content]");
        if (meta != null) {
            for (String part : meta.attr("content").split(";")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("charset")) {
                    return kv[1].trim().toLowerCase(Locale.ROOT);
                }
            }
        }
        return response.charset().map(c -> c.name().toLowerCase(Locale.ROOT)).orElse(doc.charset().name().toLowerCase(Locale.ROOT));
    }

    /** The page's oEmbed document through the same guard; any failure is no oEmbed. */
    private Optional<JsonNode> oembed(String url) {
        try {
            GuardedResponse r = http.get(url, Map.of("Accept", "application/json"));
            if (!r.ok()) {
                return Optional.empty();
            }
            JsonNode node = JSON.readTree(r.body());
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (GuardException e) {
            context.log().debug("oEmbed {} not used: {}", HttpGuard.redact(url), e.getMessage());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static boolean isNotHtml(String url) {
        try {
            String path = new URI(url).getPath();
            if (path == null) {
                return false;
            }
            String lower = path.toLowerCase(Locale.ROOT);
            int slash = lower.lastIndexOf('/');
            int dot = lower.lastIndexOf('.');
            return dot > slash && NOT_HTML.contains(lower.substring(dot + 1));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void cleanup() {
        http.close();
    }
}
