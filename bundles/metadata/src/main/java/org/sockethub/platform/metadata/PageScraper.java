package org.sockethub.platform.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Reads a link preview from an HTML document: Open Graph first, then Twitter card tags, then
 * JSON-LD (schema.org Article, Product, VideoObject and friends), then the page's oEmbed endpoint
 * (fetched only if something is still missing), then plain HTML (spec/platforms.md §6.3).
 */
final class PageScraper {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_IMAGES = 10;
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "ico", "tif", "tiff", "avif");
    private static final Pattern SPACES = Pattern.compile("[\\t\\x0B\\f \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\ufeff]+");

    /** What the scrape needs from outside: the oEmbed document at a URL, or empty. */
    interface OEmbedFetcher extends Function<String, Optional<JsonNode>> {
    }

    private PageScraper() {
    }

    /**
     * @param doc       the parsed page (its base URI the final page URL)
     * @param pageUrl   the requested URL
     * @param charset   the charset the page was decoded with (lower case)
     * @param oembed    fetches an oEmbed JSON document
     * @return the {@code page} object, plus the URL to report as actor id in {@code url}
     */
    static ObjectNode scrape(Document doc, String pageUrl, String charset, OEmbedFetcher oembed) {
        Meta meta = new Meta(doc);
        JsonLd ld = JsonLd.of(doc);

        String title = first(meta.get("og:title"), meta.get("twitter:title"), ld.title);
        String description = first(meta.get("og:description"), meta.get("twitter:description"), ld.description);
        String siteName = first(meta.get("og:site_name"), ld.publisher);
        String language = first(meta.get("og:locale"), attr(doc.selectFirst("html[lang]"), "lang"),
                meta.itemprop("inLanguage"), ld.language);
        String url = first(meta.get("og:url"), attr(doc.selectFirst("link[rel=canonical][href]"), "href"),
                attr(doc.selectFirst("link[rel=alternate][hreflang=x-default][href]"), "href"), meta.get("twitter:url"), ld.url);

        ArrayNode images = openGraphImages(meta);
        if (images.isEmpty()) {
            images = twitterImages(meta);
        }
        if (images.isEmpty()) {
            images = ld.images;
        }
        ObjectNode video = video(meta, ld);

        if (title == null || images.isEmpty() || siteName == null) {
            Element link = doc.selectFirst("link[type=application/json+oembed][href]");
            if (link != null) {
                Optional<JsonNode> found = oembed.apply(link.absUrl("href").isEmpty() ? link.attr("href") : link.absUrl("href"));
                if (found.isPresent()) {
                    JsonNode o = found.get();
                    title = first(title, string(o, "title"));
                    siteName = first(siteName, string(o, "provider_name"));
                    String thumb = string(o, "thumbnail_url");
                    if (images.isEmpty() && isHttpUrl(thumb)) {
                        ObjectNode image = images.addObject();
                        image.put("url", thumb);
                        size(o, "thumbnail_width").ifPresent(w -> image.put("width", w));
                        size(o, "thumbnail_height").ifPresent(h -> image.put("height", h));
                    }
                }
            }
        }

        title = first(title, text(doc.selectFirst("head > title")), doc.title().isBlank() ? null : doc.title(), meta.get("title"),
                text(doc.selectFirst(".post-title")), text(doc.selectFirst(".entry-title")),
                text(doc.selectFirst("h1[class*=title] a")), text(doc.selectFirst("h1[class*=title]")));
        description = first(description, meta.get("description"), meta.itemprop("description"), text(doc.selectFirst("#description")));
        if (images.isEmpty()) {
            images = htmlImages(doc);
        }
        if (video != null && !video.has("thumbnail") && !images.isEmpty()) {
            video.put("thumbnail", images.get(0).path("url").asText());
        }

        ObjectNode page = JSON.objectNode();
        page.put("type", "page");
        putIf(page, "language", language);
        putIf(page, "title", title);
        putIf(page, "name", siteName);
        putIf(page, "description", description == null ? null : normalise(description));
        if (!images.isEmpty()) {
            page.set("image", images);
        }
        if (video != null) {
            page.set("video", video);
        }
        page.put("url", first(url, pageUrl));
        page.put("favicon", favicon(doc, meta));
        putIf(page, "charset", charset);
        return page;
    }

    /** The {@code og:site_name} etc. a caller reports as actor name, read back from a page. */
    static String siteName(ObjectNode page) {
        return page.hasNonNull("name") ? page.get("name").asText() : null;
    }

    // ---- images and video ----

    private static ArrayNode openGraphImages(Meta meta) {
        // og:image starts an image; og:image:url starts one unless it names the current one;
        // the structured properties that follow describe the current image
        List<ObjectNode> images = new ArrayList<>();
        ObjectNode current = null;
        boolean urlTagSeen = false;
        for (String[] kv : meta.all) {
            String key = kv[0];
            String value = kv[1];
            boolean starts = key.equals("og:image") || (key.equals("og:image:url") && (current == null || urlTagSeen))
                    || (current == null && key.startsWith("og:image:"));
            if (starts) {
                current = JSON.objectNode();
                images.add(current);
                urlTagSeen = false;
            }
            switch (key) {
                case "og:image" -> current.put("url", value);
                case "og:image:url" -> {
                    if (!current.has("secure")) {
                        current.put("url", value);
                    }
                    urlTagSeen = true;
                }
                case "og:image:secure_url" -> {
                    current.put("url", value);
                    current.put("secure", true);
                }
                case "og:image:width" -> current.put("width", value);
                case "og:image:height" -> current.put("height", value);
                case "og:image:type" -> current.put("type", value);
                case "og:image:alt" -> current.put("alt", value);
                default -> {
                }
            }
        }
        images.removeIf(i -> !i.hasNonNull("url") || i.get("url").asText().isBlank());
        List<ObjectNode> cleaned = new ArrayList<>();
        for (ObjectNode image : images) {
            image.remove("secure");
            if (!image.has("type")) {
                extension(image.path("url").asText()).ifPresent(ext -> image.put("type", ext));
            }
            cleaned.add(image);
            if (cleaned.size() == MAX_IMAGES) {
                break;
            }
        }
        cleaned.sort(Comparator.comparing((ObjectNode i) -> !"gif".equalsIgnoreCase(i.path("type").asText())
                        && !i.path("type").asText().toLowerCase(Locale.ROOT).endsWith("/gif"))
                .thenComparing(Comparator.comparingLong(PageScraper::largerSide).reversed()));
        ArrayNode out = JSON.arrayNode();
        cleaned.forEach(out::add);
        return out;
    }

    private static long largerSide(ObjectNode image) {
        return Math.max(number(image.path("width").asText()), number(image.path("height").asText()));
    }

    private static ArrayNode twitterImages(Meta meta) {
        ArrayNode out = JSON.arrayNode();
        String url = first(meta.get("twitter:image"), meta.get("twitter:image:src"));
        if (url != null) {
            ObjectNode image = out.addObject();
            image.put("url", url);
            extension(url).ifPresent(ext -> image.put("type", ext));
            putIf(image, "width", meta.get("twitter:image:width"));
            putIf(image, "height", meta.get("twitter:image:height"));
            putIf(image, "alt", meta.get("twitter:image:alt"));
        }
        return out;
    }

    private static ArrayNode htmlImages(Document doc) {
        ArrayNode out = JSON.arrayNode();
        for (Element img : doc.select("img[src]")) {
            String src = img.attr("src");
            Optional<String> ext = extension(src);
            if (!isHttpUrl(src) || ext.isEmpty()) {
                continue;
            }
            ObjectNode image = out.addObject();
            image.put("url", src);
            image.put("type", ext.get());
            long w = number(img.attr("width"));
            long h = number(img.attr("height"));
            if (w > 0) {
                image.put("width", w);
            }
            if (h > 0) {
                image.put("height", h);
            }
            if (out.size() == MAX_IMAGES) {
                break;
            }
        }
        return out;
    }

    private static ObjectNode video(Meta meta, JsonLd ld) {
        String url = first(meta.get("og:video:secure_url"), meta.get("og:video:url"), meta.get("og:video"));
        ObjectNode video = JSON.objectNode();
        if (url != null) {
            video.put("url", url);
            long w = number(meta.get("og:video:width"));
            long h = number(meta.get("og:video:height"));
            if (w > 0) {
                video.put("width", w);
            }
            if (h > 0) {
                video.put("height", h);
            }
            double d = decimal(first(meta.get("og:video:duration"), meta.get("video:duration")));
            if (d > 0) {
                video.put("duration", d);
            }
            if (ld.video != null && ld.video.has("duration") && !video.has("duration")) {
                video.set("duration", ld.video.get("duration"));
            }
            return video;
        }
        if (meta.get("twitter:player") != null) {
            video.put("url", meta.get("twitter:player"));
            long w = number(meta.get("twitter:player:width"));
            long h = number(meta.get("twitter:player:height"));
            if (w > 0) {
                video.put("width", w);
            }
            if (h > 0) {
                video.put("height", h);
            }
            return video;
        }
        return ld.video;
    }

    // ---- favicon ----

    private static String favicon(Document doc, Meta meta) {
        String[] selectors = {"link[rel=shortcut icon][href]", "link[rel=icon][href]", "link[rel=mask-icon][href]",
            "link[rel=apple-touch-icon][href]", "link[type=image/png][href]", "link[type=image/ico][href]", "link[type=image/x-icon][href]"};
        for (String selector : selectors) {
            Element e = doc.selectFirst(selector);
            if (e != null && !e.attr("href").isBlank()) {
                return e.attr("href").trim();
            }
        }
        Element app = doc.selectFirst("meta[property*=appIcon][content]");
        if (app != null && !app.attr("content").isBlank()) {
            return app.attr("content").trim();
        }
        return "/favicon.ico";
    }

    // ---- description ----

    /**
     * CRLF/CR to LF, NBSP to space, runs of spaces and tabs to one space per line, lines trimmed,
     * leading and trailing blank lines dropped, three or more newlines to one blank line.
     */
    static String normalise(String text) {
        String s = text.replace("\r\n", "\n").replace('\r', '\n').replace('\u00a0', ' ');
        String[] lines = s.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(SPACES.matcher(lines[i]).replaceAll(" ").trim());
        }
        String joined = sb.toString().replaceAll("^\\n+", "").replaceAll("\\n+$", "");
        return joined.replaceAll("\\n{3,}", "\n\n");
    }

    // ---- helpers ----

    /** Meta tags by {@code property} or {@code name}, case-insensitive, in document order. */
    private static final class Meta {
        final List<String[]> all = new ArrayList<>();
        private final Document doc;

        Meta(Document doc) {
            this.doc = doc;
            for (Element m : doc.select("meta[content]")) {
                String key = m.hasAttr("property") ? m.attr("property") : m.attr("name");
                if (!key.isBlank()) {
                    all.add(new String[] {key.trim().toLowerCase(Locale.ROOT), m.attr("content").trim()});
                }
            }
        }

        String get(String key) {
            for (String[] kv : all) {
                if (kv[0].equals(key) && !kv[1].isEmpty()) {
                    return kv[1];
                }
            }
            return null;
        }

        String itemprop(String name) {
            Element e = doc.selectFirst("meta[itemprop=" + name + "][content]");
            return e == null || e.attr("content").isBlank() ? null : e.attr("content").trim();
        }
    }

    /** schema.org basics from the first JSON-LD object of a known type. */
    private static final class JsonLd {
        private static final Set<String> TYPES = Set.of("Article", "NewsArticle", "BlogPosting", "TechArticle", "ScholarlyArticle", "Report",
                "Product", "VideoObject", "WebPage", "WebSite", "Recipe", "Event", "Organization", "Book", "Movie", "MusicRecording");
        String title;
        String description;
        String publisher;
        String language;
        String url;
        ArrayNode images = JSON.arrayNode();
        ObjectNode video;

        static JsonLd of(Document doc) {
            JsonLd ld = new JsonLd();
            List<JsonNode> candidates = new ArrayList<>();
            for (Element script : doc.select("script[type=application/ld+json]")) {
                try {
                    collect(MAPPER.readTree(script.data()), candidates);
                } catch (Exception malformed) {
                    // pages carry broken JSON-LD; it is only a fallback
                }
            }
            JsonNode main = null;
            for (JsonNode c : candidates) {
                if (hasType(c, "VideoObject") && ld.video == null) {
                    ld.video = videoOf(c);
                }
                if (main == null && TYPES.stream().anyMatch(t -> hasType(c, t)) && !hasType(c, "WebSite")) {
                    main = c;
                }
            }
            if (main == null) {
                main = candidates.stream().filter(c -> hasType(c, "WebSite")).findFirst().orElse(null);
            }
            if (main == null) {
                return ld;
            }
            ld.title = first(string(main, "headline"), string(main, "name"));
            ld.description = string(main, "description");
            ld.language = string(main, "inLanguage");
            ld.url = isHttpUrl(string(main, "url")) ? string(main, "url") : null;
            JsonNode publisher = main.get("publisher");
            ld.publisher = publisher == null ? null : publisher.isTextual() ? publisher.asText() : string(publisher, "name");
            addImages(main.get("image"), ld.images);
            if (ld.images.isEmpty() && ld.video != null && ld.video.has("thumbnail")) {
                ld.images.addObject().put("url", ld.video.get("thumbnail").asText());
            }
            return ld;
        }

        private static void collect(JsonNode node, List<JsonNode> into) {
            if (node == null) {
                return;
            }
            if (node.isArray()) {
                node.forEach(n -> collect(n, into));
            } else if (node.isObject()) {
                if (node.has("@type")) {
                    into.add(node);
                }
                collect(node.get("@graph"), into);
            }
        }

        private static boolean hasType(JsonNode node, String type) {
            JsonNode t = node.get("@type");
            if (t == null) {
                return false;
            }
            if (t.isArray()) {
                for (JsonNode x : t) {
                    if (x.asText().equals(type)) {
                        return true;
                    }
                }
                return false;
            }
            return t.asText().equals(type);
        }

        private static void addImages(JsonNode image, ArrayNode into) {
            if (image == null || into.size() >= MAX_IMAGES) {
                return;
            }
            if (image.isArray()) {
                image.forEach(i -> addImages(i, into));
            } else if (image.isTextual() && isHttpUrl(image.asText())) {
                ObjectNode out = into.addObject();
                out.put("url", image.asText());
                extension(image.asText()).ifPresent(ext -> out.put("type", ext));
            } else if (image.isObject() && isHttpUrl(first(string(image, "url"), string(image, "contentUrl")))) {
                String url = first(string(image, "url"), string(image, "contentUrl"));
                ObjectNode out = into.addObject();
                out.put("url", url);
                extension(url).ifPresent(ext -> out.put("type", ext));
                size(image, "width").ifPresent(w -> out.put("width", w));
                size(image, "height").ifPresent(h -> out.put("height", h));
                putIf(out, "alt", first(string(image, "caption"), string(image, "name")));
            }
        }

        private static ObjectNode videoOf(JsonNode v) {
            String url = first(string(v, "contentUrl"), string(v, "embedUrl"));
            if (!isHttpUrl(url)) {
                return null;
            }
            ObjectNode video = JSON.objectNode();
            video.put("url", url);
            JsonNode thumb = v.get("thumbnailUrl");
            String thumbnail = thumb == null ? null : thumb.isArray() ? (thumb.size() > 0 ? thumb.get(0).asText() : null) : thumb.asText();
            if (isHttpUrl(thumbnail)) {
                video.put("thumbnail", thumbnail);
            }
            size(v, "width").ifPresent(w -> video.put("width", w));
            size(v, "height").ifPresent(h -> video.put("height", h));
            String duration = string(v, "duration");
            if (duration != null) {
                try {
                    video.put("duration", Duration.parse(duration).toMillis() / 1000.0);
                } catch (DateTimeParseException ignored) {
                    // not ISO 8601
                }
            }
            return video;
        }
    }

    private static String string(JsonNode node, String key) {
        JsonNode v = node == null ? null : node.get(key);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText().trim() : null;
    }

    /** A finite, non-negative size from JSON (number or numeric string). */
    private static Optional<Long> size(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.isNumber() && Double.isFinite(v.asDouble()) && v.asDouble() >= 0) {
            return Optional.of(v.asLong());
        }
        if (v.isTextual()) {
            long n = number(v.asText());
            return n > 0 ? Optional.of(n) : Optional.empty();
        }
        if (v.isObject()) {
            return size(v, "value");
        }
        return Optional.empty();
    }

    private static final Pattern LEADING_NUMBER = Pattern.compile("^\\s*(\\d+)");

    private static long number(String s) {
        if (s == null) {
            return 0;
        }
        Matcher m = LEADING_NUMBER.matcher(s);
        try {
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (NumberFormatException tooBig) {
            return 0;
        }
    }

    private static double decimal(String s) {
        try {
            return s == null ? 0 : Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Optional<String> extension(String url) {
        try {
            String path = new URI(url.trim()).getPath();
            if (path == null) {
                return Optional.empty();
            }
            int dot = path.lastIndexOf('.');
            int slash = path.lastIndexOf('/');
            if (dot < 0 || dot < slash) {
                return Optional.empty();
            }
            String ext = path.substring(dot + 1).toLowerCase(Locale.ROOT);
            return IMAGE_EXTENSIONS.contains(ext) ? Optional.of(ext) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    static boolean isHttpUrl(String s) {
        if (s == null) {
            return false;
        }
        try {
            URI uri = new URI(s.trim());
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) && uri.getHost() != null;
        } catch (Exception e) {
            return false;
        }
    }

    private static String attr(Element e, String name) {
        return e == null || e.attr(name).isBlank() ? null : e.attr(name).trim();
    }

    private static String text(Element e) {
        return e == null || e.text().isBlank() ? null : e.text().trim();
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static void putIf(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }
}
