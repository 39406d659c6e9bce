package org.sockethub.platform.feeds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rometools.rome.feed.WireFeed;
import com.rometools.rome.feed.atom.Content;
import com.rometools.rome.feed.atom.Entry;
import com.rometools.rome.feed.atom.Feed;
import com.rometools.rome.feed.atom.Link;
import com.rometools.rome.feed.rss.Channel;
import com.rometools.rome.feed.rss.Item;
import com.rometools.rome.feed.synd.SyndPerson;
import com.rometools.rome.io.FeedException;
import com.rometools.rome.io.SAXBuilder;
import com.rometools.rome.io.WireFeedInput;
import com.rometools.rome.io.impl.XmlFixerReader;
import com.rometools.rome.io.XmlReader;
import com.rometools.rome.io.impl.DateParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jdom2.Document;
import org.jdom2.Element;
import org.jdom2.JDOMException;
import org.jdom2.Namespace;

/**
 * Turns a feed document into the {@code collection} of spec/platforms.md §5.4. ROME parses and
 * recognises RSS 0.90–2.0, RSS 1.0 (RDF) and Atom 0.3/1.0; the fields ROME does not model
 * (itunes tags, channel author, the raw date text) are read from the same jdom document, matching
 * elements by local name as the reference does.
 */
final class FeedMapper {

    static final List<String> CONTEXT = List.of("https://www.w3.org/ns/activitystreams",
            "https://sockethub.org/ns/context/v1.jsonld",
            "https://sockethub.org/ns/context/platform/feeds/v1.jsonld");

    /** Longer descriptions make an {@code article}, shorter ones a {@code note}. */
    static final int ARTICLE_THRESHOLD = 256;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern DOCUMENT_TAG = Pattern.compile("<!doctype\\s|<html[\\s>]|<body[\\s>]|<x-[a-z0-9-]+[\\s>/]",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern HTML_TAG = Pattern.compile("</?(a|abbr|address|article|aside|audio|b|blockquote|br|caption|cite|code|dd|del|"
            + "details|div|dl|dt|em|figcaption|figure|footer|h[1-6]|header|hr|i|iframe|img|ins|kbd|li|mark|nav|ol|p|picture|pre|q|s|"
            + "section|small|source|span|strong|sub|summary|sup|table|tbody|td|tfoot|th|thead|time|tr|u|ul|video)(\\s[^>]*)?/?>",
            Pattern.CASE_INSENSITIVE);

    private FeedMapper() {
    }

    /** A parsed item before filtering: the post and what it sorts by. */
    record Post(ObjectNode post, long datenum, String title, Integer order, int position) {
    }

    /** The channel and its items, newest first. */
    record Parsed(ObjectNode actor, List<Post> posts) {
    }

    /**
     * Parses a feed.
     *
     * @param body        the document bytes
     * @param contentType the HTTP Content-Type (its charset wins over the XML declaration), or {@code null}
     * @param url         the requested feed URL
     * @param jobId       the request's {@code id}, stamped on every post, or {@code null}
     * @return the channel and its posts, sorted
     * @throws FeedException if the document is not a feed ROME understands
     */
    static Parsed parse(byte[] body, String contentType, String url, String jobId) throws FeedException, IOException {
        Document document;
        WireFeed feed;
        try (Reader reader = new XmlFixerReader(new XmlReader(new ByteArrayInputStream(body), contentType, true))) {
            document = Input.builder().build(reader);
        } catch (JDOMException e) {
            throw new FeedException("Invalid XML: " + e.getMessage(), e);
        }
        try {
            feed = new WireFeedInput(false, Locale.US).build(document);
        } catch (IllegalArgumentException e) {
            throw new FeedException("not an RSS or Atom feed (root element <" + document.getRootElement().getName() + ">)");
        }
        if (feed instanceof Channel) {
            return rss((Channel) feed, document.getRootElement(), url, jobId);
        }
        if (feed instanceof Feed) {
            return atom((Feed) feed, document.getRootElement(), url, jobId);
        }
        throw new FeedException("unsupported feed type " + feed.getFeedType());
    }

    /**
     * Applies {@code since} and {@code limit} and wraps the posts in a collection.
     *
     * @param parsed  the parsed feed
     * @param sinceMs keep items dated at or after this instant ({@code null}: no filter)
     * @param limit   keep the first n items ({@code null}: all)
     * @param jobId   the request's id, or {@code null}
     * @return the collection
     */
    static ObjectNode collection(Parsed parsed, Long sinceMs, Integer limit, String jobId) {
        List<Post> kept = new ArrayList<>();
        for (Post p : parsed.posts()) {
            if (sinceMs != null && (p.datenum() == 0 || p.datenum() < sinceMs)) {
                continue;
            }
            if (limit != null && kept.size() >= limit) {
                break;
            }
            kept.add(p);
        }
        ObjectNode result = JSON.objectNode();
        ArrayNode context = result.putArray("@context");
        CONTEXT.forEach(context::add);
        if (jobId != null) {
            result.put("id", jobId);
        } else {
            result.putNull("id");
        }
        result.put("type", "collection");
        result.put("summary", kept.isEmpty() ? "Unknown Feed" : kept.get(0).post().path("actor").path("name").asText());
        result.put("totalItems", kept.size());
        ArrayNode items = result.putArray("items");
        kept.forEach(p -> items.add(p.post()));
        return result;
    }

    // ---- RSS 0.9x, 1.0, 2.0 ----

    private static Parsed rss(Channel channel, Element root, String url, String jobId) {
        Element channelElement = child(root, "channel");
        Element scope = channelElement != null ? channelElement : root;
        String title = clean(channel.getTitle());
        String link = resolve(url, clean(channel.getLink()));
        ObjectNode actor = JSON.objectNode();
        actor.put("id", url);
        actor.put("type", "feed");
        actor.put("name", first(title, link, url));
        actor.put("link", first(link, url));
        putIf(actor, "description", clean(channel.getDescription()));
        String image = channel.getImage() != null ? clean(channel.getImage().getUrl()) : null;
        if (image == null) {
            Element itunesImage = childNs(scope, "image", "itunes");
            image = itunesImage != null ? clean(itunesImage.getAttributeValue("href")) : null;
        }
        if (image == null) {
            Element plain = child(scope, "image");
            image = plain != null && plain.getChildren().isEmpty() ? clean(plain.getTextNormalize()) : null;
        }
        putIf(actor, "image", resolve(url, image));
        TreeSet<String> categories = new TreeSet<>();
        channel.getCategories().forEach(c -> addIf(categories, clean(c.getValue())));
        collectCategoryAttributes(scope, categories);
        ArrayNode cats = actor.putArray("categories");
        categories.forEach(cats::add);
        putIf(actor, "language", first(clean(channel.getLanguage()), text(scope, "language")));
        putIf(actor, "author", text(scope, "author"));

        List<Element> itemElements = children(channelElement != null && !children(channelElement, "item").isEmpty()
                ? channelElement : root, "item");
        List<Item> items = channel.getItems();
        List<Post> posts = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            Element element = i < itemElements.size() ? itemElements.get(i) : null;
            String guid = item.getGuid() != null ? clean(item.getGuid().getValue()) : null;
            if (guid == null && item.getUri() != null && !"rss_2.0".equals(channel.getFeedType())) {
                guid = clean(item.getUri()); // RSS 1.0 rdf:about
            }
            String rawDate = element == null ? null : first(text(element, "pubDate"), text(element, "date"));
            String description = item.getDescription() != null ? item.getDescription().getValue() : null;
            String summary = element == null ? null : text(element, "summary");
            Integer order = element == null ? null : integer(text(element, "order"));
            posts.add(post(actor, jobId, url, clean(item.getTitle()), resolve(url, clean(item.getLink())), guid, rawDate,
                    description, summary, order, i));
        }
        return new Parsed(actor, sort(posts));
    }

    // ---- Atom 0.3, 1.0 ----

    private static Parsed atom(Feed feed, Element root, String url, String jobId) {
        String title = clean(feed.getTitle());
        String link = resolve(url, alternate(feed.getAlternateLinks()));
        ObjectNode actor = JSON.objectNode();
        actor.put("id", url);
        actor.put("type", "feed");
        actor.put("name", first(title, link, url));
        actor.put("link", first(link, url));
        Content subtitle = feed.getSubtitle() != null ? feed.getSubtitle() : feed.getTagline();
        putIf(actor, "description", subtitle == null ? null : clean(subtitle.getValue()));
        putIf(actor, "image", resolve(url, first(clean(feed.getLogo()), clean(feed.getIcon()))));
        TreeSet<String> categories = new TreeSet<>();
        feed.getCategories().forEach(c -> addIf(categories, first(clean(c.getTerm()), clean(c.getLabel()))));
        ArrayNode cats = actor.putArray("categories");
        categories.forEach(cats::add);
        putIf(actor, "language", first(clean(feed.getLanguage()), clean(root.getAttributeValue("lang", Namespace.XML_NAMESPACE))));
        putIf(actor, "author", person(feed.getAuthors()));

        List<Element> entryElements = children(root, "entry");
        List<Entry> entries = feed.getEntries();
        List<Post> posts = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            Element element = i < entryElements.size() ? entryElements.get(i) : null;
            String rawDate = element == null ? null
                    : first(text(element, "published"), text(element, "issued"), text(element, "updated"), text(element, "modified"));
            String summary = entry.getSummary() != null ? entry.getSummary().getValue() : null;
            String content = entry.getContents().isEmpty() ? null : entry.getContents().get(0).getValue();
            posts.add(post(actor, jobId, url, clean(entry.getTitle()), resolve(url, alternate(entry.getAlternateLinks())),
                    clean(entry.getId()), rawDate, content != null ? content : summary, summary, null, i));
        }
        return new Parsed(actor, sort(posts));
    }

    /** The first {@code alternate} (or rel-less, which ROME files as alternate) link. */
    private static String alternate(List<Link> alternates) {
        for (Link l : alternates) {
            if (clean(l.getHref()) != null) {
                return clean(l.getHref());
            }
        }
        return null;
    }

    private static String person(List<SyndPerson> people) {
        for (SyndPerson p : people) {
            String who = first(clean(p.getName()), clean(p.getEmail()));
            if (who != null) {
                return who;
            }
        }
        return null;
    }

    // ---- one item ----

    private static Post post(ObjectNode actor, String jobId, String feedUrl, String title, String link, String guid, String rawDate,
                             String description, String summary, Integer order, int position) {
        Long epoch = null;
        String published = null;
        if (rawDate != null) {
            Date date = DateParser.parseDate(rawDate, Locale.US);
            if (date != null) {
                epoch = date.getTime();
                published = ISO.format(Instant.ofEpochMilli(epoch));
            } else {
                published = rawDate;
            }
        }
        String content = description == null ? "" : description.trim();
        String id;
        if (link != null) {
            id = link;
        } else if (guid != null) {
            id = guid;
        } else if (epoch != null) {
            id = feedUrl + "#" + epoch;
        } else {
            id = feedUrl + "#" + first(title, "item") + "-" + first(rawDate, "unknown");
        }
        ObjectNode object = JSON.objectNode();
        object.put("type", content.length() > ARTICLE_THRESHOLD ? "article" : "note");
        object.put("title", title == null ? "" : title);
        object.put("id", id);
        String brief = summary == null ? null : summary.trim();
        if (brief != null && !brief.isEmpty() && !brief.equals(content)) {
            object.put("brief", brief);
        }
        object.put("content", content);
        object.put("contentType", isHtml(content) ? "html" : "text");
        object.put("url", link != null ? link : feedUrl);
        putIf(object, "published", published);
        long datenum = epoch == null ? 0 : epoch;
        object.put("datenum", datenum);

        ObjectNode post = JSON.objectNode();
        ArrayNode context = post.putArray("@context");
        CONTEXT.forEach(context::add);
        post.put("type", "post");
        post.set("actor", actor.deepCopy());
        if (jobId != null) {
            post.put("id", jobId);
        }
        post.set("object", object);
        return new Post(post, datenum, title == null ? "" : title, order, position);
    }

    /**
     * Newest first; ties by title, descending. Items that all carry {@code itunes:order} follow
     * it. Undated items go last, in document order.
     */
    static List<Post> sort(List<Post> posts) {
        boolean ordered = !posts.isEmpty() && posts.stream().allMatch(p -> p.order() != null);
        Comparator<Post> byDate = Comparator.<Post, Boolean>comparing(p -> p.datenum() == 0)
                .thenComparing(Comparator.comparingLong((Post p) -> p.datenum() == 0 ? 0 : -p.datenum()))
                .thenComparing((a, b) -> a.datenum() == 0 ? 0 : b.title().compareTo(a.title()))
                .thenComparingInt(Post::position);
        List<Post> sorted = new ArrayList<>(posts);
        sorted.sort(ordered ? Comparator.comparing(Post::order).thenComparing(byDate) : byDate);
        return sorted;
    }

    static boolean isHtml(String text) {
        String head = text.trim();
        head = head.length() > 1000 ? head.substring(0, 1000) : head;
        return DOCUMENT_TAG.matcher(head).find() || HTML_TAG.matcher(text).find();
    }

    // ---- jdom helpers: elements matched by local name, first in document order ----

    private static Element child(Element parent, String localName) {
        for (Element e : parent.getChildren()) {
            if (e.getName().equals(localName)) {
                return e;
            }
        }
        return null;
    }

    private static Element childNs(Element parent, String localName, String prefix) {
        for (Element e : parent.getChildren()) {
            if (e.getName().equals(localName) && prefix.equals(e.getNamespacePrefix())) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> found = new ArrayList<>();
        for (Element e : parent.getChildren()) {
            if (e.getName().equals(localName)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Element parent, String localName) {
        for (Element e : parent.getChildren()) {
            if (e.getName().equals(localName)) {
                String t = clean(e.getText());
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    private static void collectCategoryAttributes(Element parent, TreeSet<String> into) {
        for (Element e : parent.getChildren()) {
            if (e.getName().equals("category")) {
                addIf(into, clean(e.getAttributeValue("text")));
                collectCategoryAttributes(e, into);
            }
        }
    }

    private static String clean(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        return t.isEmpty() ? null : t;
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static Integer integer(String s) {
        try {
            return s == null ? null : Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void addIf(TreeSet<String> set, String value) {
        if (value != null) {
            set.add(value);
        }
    }

    private static void putIf(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }

    /** Relative links (Atom's xml:base, sloppy RSS) resolved against the feed URL. */
    private static String resolve(String base, String link) {
        if (link == null) {
            return null;
        }
        try {
            URI uri = new URI(link);
            return uri.isAbsolute() ? link : new URI(base).resolve(uri).toString();
        } catch (Exception e) {
            return link;
        }
    }

    /** ROME's own SAX builder (doctypes refused, external entities off), reached for its jdom document. */
    private static final class Input extends WireFeedInput {
        private static final Input INSTANCE = new Input();

        static SAXBuilder builder() {
            return INSTANCE.createSAXBuilder();
        }
    }
}
