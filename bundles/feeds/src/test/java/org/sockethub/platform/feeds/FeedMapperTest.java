package org.sockethub.platform.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rometools.rome.io.FeedException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The vectors of spec/platforms.md §5.5 and the Atom, RDF and legacy formats, table-driven. */
class FeedMapperTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static byte[] fixture(String name) throws Exception {
        try (InputStream in = FeedMapperTest.class.getResourceAsStream("/fixtures/" + name)) {
            return in.readAllBytes();
        }
    }

    static ObjectNode fetch(String name, String url, Long since, Integer limit, String jobId) throws Exception {
        return FeedMapper.collection(FeedMapper.parse(fixture(name), null, url, jobId), since, limit, jobId);
    }

    static ObjectNode fetch(String name, String url) throws Exception {
        return fetch(name, url, null, null, null);
    }

    static List<String> titles(ObjectNode collection) {
        List<String> t = new ArrayList<>();
        collection.path("items").forEach(i -> t.add(i.path("object").path("title").asText()));
        return t;
    }

    /** fixture, url, expected item count, expected first item's object (subset), expected actor (subset). */
    static Stream<Arguments> fixtures() {
        return Stream.of(
            Arguments.of("complete-rss.xml", "https://example.com/feed", 2,
                "{\"type\":\"note\",\"title\":\"Short Note\",\"id\":\"https://example.com/notes/short\",\"url\":\"https://example.com/notes/short\","
                    + "\"published\":\"2024-01-02T10:00:00.000Z\",\"datenum\":1704189600000,\"contentType\":\"text\",\"content\":\"A short note.\"}",
                "{\"id\":\"https://example.com/feed\",\"type\":\"feed\",\"name\":\"Complete Feed\",\"link\":\"https://example.com/\","
                    + "\"description\":\"A feed with every common field\",\"categories\":[\"News\",\"Technology\"],\"language\":\"en-us\"}"),
            Arguments.of("no-link-rss.xml", "https://example.com/feed.xml", 1,
                "{\"id\":\"entry-without-link\",\"url\":\"https://example.com/feed.xml\"}", "{\"name\":\"No Link Feed\"}"),
            Arguments.of("no-link-no-meta-rss.xml", "https://example.com/podcast", 2,
                "{\"title\":\"Episode 2\",\"id\":\"episode-2-guid\",\"url\":\"https://example.com/podcast\",\"content\":\"The second episode.\"}",
                "{\"name\":\"Podcast\",\"link\":\"https://example.com/podcast\",\"image\":\"https://example.com/podcast.jpg\","
                    + "\"author\":\"Pod Caster\",\"categories\":[\"Software How-To\",\"Technology\"]}"),
            Arguments.of("channel-image-author-rss.xml", "https://example.com/feed", 1, "{\"title\":\"Only item\"}",
                "{\"image\":\"https://example.com/logo.png\",\"author\":\"editor@example.com (Jane Editor)\"}"),
            Arguments.of("atom.xml", "https://example.org/atom.xml", 2,
                "{\"type\":\"note\",\"title\":\"Newer entry\",\"id\":\"https://example.org/2024/03/02/newer\",\"url\":\"https://example.org/2024/03/02/newer\","
                    + "\"content\":\"Only a summary here.\",\"published\":\"2024-03-02T18:30:02.000Z\",\"datenum\":1709404202000}",
                "{\"name\":\"Example Atom\",\"link\":\"https://example.org/\",\"description\":\"An Atom 1.0 feed\",\"image\":\"https://example.org/logo.png\","
                    + "\"author\":\"Ada Author\",\"categories\":[\"science\"],\"language\":\"en\"}"),
            Arguments.of("atom03.xml", "http://example.net/atom03.xml", 1,
                "{\"title\":\"Atom 0.3 entry\",\"id\":\"http://example.net/2003/12/13/atom03\",\"published\":\"2003-12-13T12:29:29.000Z\","
                    + "\"content\":\"An Atom 0.3 summary.\"}",
                "{\"name\":\"Atom 0.3 feed\",\"link\":\"http://example.net/\",\"description\":\"An old Atom\",\"author\":\"Old Author\"}"),
            Arguments.of("rdf.xml", "https://example.com/rdf", 2,
                "{\"title\":\"Second RDF item\",\"id\":\"https://example.com/rdf/2\",\"datenum\":1706860800000,\"published\":\"2024-02-02T08:00:00.000Z\"}",
                "{\"name\":\"RDF Site Summary\",\"link\":\"https://example.com/\",\"description\":\"An RSS 1.0 feed\",\"language\":\"de\"}"),
            Arguments.of("rss091.xml", "http://example.com/091.xml", 1,
                "{\"title\":\"Crème brûlée\",\"id\":\"http://example.com/091/creme\",\"datenum\":0}",
                "{\"name\":\"Café RSS 0.91\",\"language\":\"fr\"}"),
            Arguments.of("latin1.xml", "https://example.com/latin1.xml", 2,
                "{\"title\":\"Café\",\"content\":\"naïve\",\"published\":\"not a date\",\"datenum\":0}",
                "{\"name\":\"Latin-1 été\"}")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void mapsFixtures(String name, String url, int count, String firstObject, String actor) throws Exception {
        ObjectNode c = fetch(name, url);
        assertEquals("collection", c.path("type").asText());
        assertEquals(count, c.path("totalItems").asInt());
        assertEquals(count, c.path("items").size());
        JsonNode first = c.path("items").path(0);
        assertEquals("post", first.path("type").asText());
        assertEquals(FeedMapper.CONTEXT.size(), first.path("@context").size());
        assertSubset(JSON.readTree(firstObject), first.path("object"));
        assertSubset(JSON.readTree(actor), first.path("actor"));
        assertEquals(first.path("actor").path("name").asText(), c.path("summary").asText());
        for (JsonNode item : c.path("items")) {
            assertTrue(item.path("object").has("datenum"));
            item.path("object").fields().forEachRemaining(f -> assertFalse(f.getValue().isNull(), f.getKey() + " is null"));
            item.path("actor").fields().forEachRemaining(f -> assertFalse(f.getValue().isNull(), f.getKey() + " is null"));
        }
    }

    private static void assertSubset(JsonNode expected, JsonNode actual) {
        expected.fields().forEachRemaining(f -> assertEquals(f.getValue().toString(), String.valueOf(actual.get(f.getKey())), f.getKey() + " in " + actual));
    }

    @Test
    void sockethubNewsFeed() throws Exception {
        String url = "https://sockethub.org/feed.xml";
        ObjectNode c = fetch("sockethub-news.xml", url);
        assertEquals(20, c.path("totalItems").asInt());
        assertEquals(JSON.readTree("{\"type\":\"article\",\"title\":\"Sockethub 3.x\",\"id\":\"https://sockethub.org/news/2019-09-26-3x.html\","
                + "\"content\":\"<p>Sockethub 3.0 has been released and includes a lot of improvements focusing mainly on XMPP and IRC, additionally a ton of "
                + "internal improvements. Ongoing releases tracked on the <a href=\\\"https://github.com/sockethub/sockethub/releases\\\">Github page</a>. </p>\","
                + "\"contentType\":\"html\",\"url\":\"https://sockethub.org/news/2019-09-26-3x.html\",\"published\":\"2019-09-26T00:00:00.000Z\","
                + "\"datenum\":1569456000000}"), c.path("items").path(5).path("object"));
        JsonNode first = c.path("items").path(0);
        assertEquals("note", first.path("object").path("type").asText());
        assertEquals("Sockethub 4.1.0", first.path("object").path("title").asText());
        assertEquals(1630540800000L, first.path("object").path("datenum").asLong());
        assertEquals("html", first.path("object").path("contentType").asText());
        assertEquals(JSON.readTree("{\"id\":\"https://sockethub.org/feed.xml\",\"type\":\"feed\",\"name\":\"Sockethub\",\"link\":\"https://sockethub.org\","
                + "\"description\":\"The polyglot solution to the federated social web\",\"categories\":[],\"language\":\"en\",\"author\":\"Nick Jennings\"}"),
                first.path("actor"));
        assertEquals("Sockethub", c.path("summary").asText());
        assertEquals(5, fetch("sockethub-news.xml", url, null, 5, null).path("totalItems").asInt());
        assertEquals(0, fetch("sockethub-news.xml", url, FeedsInstance.since(JSON.getNodeFactory().textNode("2999-01-01T00:00:00.000Z")), null, null)
                .path("totalItems").asInt());
        assertEquals(20, fetch("sockethub-news.xml", url, FeedsInstance.since(JSON.getNodeFactory().textNode("1970-01-01T00:00:00.000Z")), null, null)
                .path("totalItems").asInt());
        long prev = Long.MAX_VALUE;
        for (JsonNode item : c.path("items")) {
            long d = item.path("object").path("datenum").asLong();
            assertTrue(d <= prev, "newest first");
            prev = d;
        }
    }

    @Test
    void emptyFeedIsAnEmptyCollectionOfAnUnknownFeed() throws Exception {
        ObjectNode c = fetch("empty-rss.xml", "https://example.com/empty.xml");
        assertEquals(0, c.path("totalItems").asInt());
        assertEquals("Unknown Feed", c.path("summary").asText());
        assertTrue(c.get("id").isNull());
    }

    @Test
    void bareChannelIsNamedByItsUrlAndHasNoOptionalKeys() throws Exception {
        ObjectNode c = fetch("bare-channel-rss.xml", "https://example.com/bare.xml");
        assertEquals("https://example.com/bare.xml", c.path("summary").asText());
        JsonNode actor = c.path("items").path(0).path("actor");
        assertEquals("https://example.com/bare.xml", actor.path("link").asText());
        assertFalse(actor.has("image"));
        assertFalse(actor.has("author"));
        JsonNode object = c.path("items").path(0).path("object");
        assertEquals("", object.path("title").asText());
        assertEquals("https://example.com/bare.xml#item-unknown", object.path("id").asText());
        assertFalse(object.has("published"));
        assertEquals(0, object.path("datenum").asLong());
        assertEquals(c.toString(), JSON.readTree(JSON.writeValueAsString(c)).toString(), "survives a JSON round trip");
    }

    @Test
    void postsCarryTheJobId() throws Exception {
        ObjectNode c = fetch("channel-image-author-rss.xml", "https://example.com/feed", null, null, "job-42");
        assertEquals("job-42", c.path("id").asText());
        assertEquals("job-42", c.path("items").path(0).path("id").asText());
    }

    @Test
    void atomWithoutLinksFallsBackToGuidAndFeedUrl() throws Exception {
        JsonNode object = fetch("atom-no-link.xml", "https://example.com/atom").path("items").path(0).path("object");
        assertEquals("urn:uuid:atom-entry-1", object.path("id").asText());
        assertEquals("https://example.com/atom", object.path("url").asText());
        assertEquals("An entry with no link.", object.path("content").asText());
        assertFalse(object.has("brief"), "summary equal to the content is no brief");
    }

    @Test
    void atomContentWinsOverSummaryWhichBecomesTheBrief() throws Exception {
        JsonNode older = fetch("atom.xml", "https://example.org/atom.xml").path("items").path(1).path("object");
        assertEquals("<p>Full <em>content</em> of the older entry.</p>", older.path("content").asText());
        assertEquals("html", older.path("contentType").asText());
        assertEquals("Summary of the older entry.", older.path("brief").asText());
        assertEquals("2024-03-01T10:00:00.000Z", older.path("published").asText(), "published before updated");
    }

    @Test
    void podcastSummaryDifferingFromDescriptionIsTheBrief() throws Exception {
        ObjectNode c = fetch("no-link-no-meta-rss.xml", "https://example.com/podcast");
        assertFalse(c.path("items").path(0).path("object").has("brief"));
        assertEquals("Episode one, in brief.", c.path("items").path(1).path("object").path("brief").asText());
        assertEquals(List.of("Episode 2", "Episode 1"), titles(c));
    }

    @Test
    void undatedItemsComeLastInDocumentOrder() throws Exception {
        ObjectNode c = fetch("latin1.xml", "https://example.com/latin1.xml");
        assertEquals(List.of("Café", "Undated"), titles(c));
    }

    @Test
    void itemBuilderRules() throws Exception {
        String feed = "<rss version=\"2.0\"><channel><title>T</title><link>https://example.com/</link>"
                + "<item><title>Epoch</title><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate><description>x</description></item>"
                + "<item><title>Kept</title><pubDate>Fri, 05 Jan 2024 00:00:00 GMT</pubDate><link>https://example.com/k</link></item>"
                + "</channel></rss>";
        ObjectNode c = FeedMapper.collection(FeedMapper.parse(feed.getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/xml",
                "https://example.com/feed", null), null, null, null);
        JsonNode epoch = c.path("items").path(1).path("object");
        assertEquals("Epoch", epoch.path("title").asText());
        assertEquals(0, epoch.path("datenum").asLong());
        assertEquals("https://example.com/feed#0", epoch.path("id").asText());
        assertEquals("1970-01-01T00:00:00.000Z", epoch.path("published").asText());
        assertEquals("2024-01-05T00:00:00.000Z", c.path("items").path(0).path("object").path("published").asText());
    }

    @Test
    void noteArticleThresholdIs256Characters() throws Exception {
        for (int length : new int[] {256, 257}) {
            String feed = "<rss version=\"2.0\"><channel><title>T</title><item><title>x</title><description>" + "a".repeat(length)
                    + "</description></item></channel></rss>";
            JsonNode object = FeedMapper.collection(FeedMapper.parse(feed.getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
                    "https://example.com/f", null), null, null, null).path("items").path(0).path("object");
            assertEquals(length > 256 ? "article" : "note", object.path("type").asText());
            assertEquals("text", object.path("contentType").asText());
        }
    }

    @Test
    void randomPartialItemsNeverThrow() throws Exception {
        Random random = new Random(7);
        String[] parts = {"<title>t</title>", "<link>https://example.com/l</link>", "<guid>g</guid>", "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate>",
            "<pubDate>garbage</pubDate>", "<description>d</description>", "<description><![CDATA[<p>h</p>]]></description>", "<itunes:order>2</itunes:order>",
            "<itunes:summary>s</itunes:summary>", "<title></title>", "<link></link>"};
        for (int n = 0; n < 200; n++) {
            StringBuilder item = new StringBuilder("<item>");
            for (String p : parts) {
                if (random.nextBoolean()) {
                    item.append(p);
                }
            }
            item.append("</item>");
            String feed = "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel>" + item + item + "</channel></rss>";
            ObjectNode c = FeedMapper.collection(FeedMapper.parse(feed.getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
                    "https://example.com/f", null), null, null, null);
            assertEquals(2, c.path("totalItems").asInt());
        }
    }

    @Test
    void refusesWhatIsNotAFeed() {
        FeedException notFeed = assertThrows(FeedException.class, () -> FeedMapper.parse("<html><body>hi</body></html>".getBytes(), null, "u", null));
        assertTrue(notFeed.getMessage().contains("not an RSS or Atom feed"), notFeed.getMessage());
        assertThrows(FeedException.class, () -> FeedMapper.parse("hello".getBytes(), null, "u", null));
        FeedException doctype = assertThrows(FeedException.class, () -> FeedMapper.parse(("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM "
                + "\"file:///etc/passwd\">]><rss version=\"2.0\"><channel><title>&x;</title></channel></rss>").getBytes(), null, "u", null));
        assertFalse(doctype.getMessage().contains("root:"), "no external entity is read");
    }

    /** datenums [300, 200, 100, 0] through the filters. */
    @Test
    void filters() {
        List<FeedMapper.Post> posts = new ArrayList<>();
        long[] dates = {300, 200, 100, 0};
        for (int i = 0; i < dates.length; i++) {
            ObjectNode post = JSON.createObjectNode();
            post.putObject("actor").put("name", "F");
            post.putObject("object").put("datenum", dates[i]);
            posts.add(new FeedMapper.Post(post, dates[i], "t" + i, null, i));
        }
        FeedMapper.Parsed parsed = new FeedMapper.Parsed(JSON.createObjectNode(), posts);
        assertEquals(List.of(300L, 200L), datenums(FeedMapper.collection(parsed, 150L, null, null)));
        assertEquals(List.of(300L, 200L), datenums(FeedMapper.collection(parsed, null, 2, null)));
        assertEquals(List.of(300L, 200L), datenums(FeedMapper.collection(parsed, 50L, 2, null)));
        assertEquals(List.of(300L, 200L, 100L, 0L), datenums(FeedMapper.collection(parsed,
                FeedsInstance.since(JSON.getNodeFactory().textNode("garbage")), null, null)));
        assertEquals(List.of(300L, 200L, 100L), datenums(FeedMapper.collection(parsed,
                FeedsInstance.since(JSON.getNodeFactory().textNode("1970-01-01T00:00:00Z")), null, null)));
        assertEquals(null, FeedsInstance.limit(JSON.getNodeFactory().numberNode(0)));
        assertEquals(null, FeedsInstance.limit(JSON.getNodeFactory().numberNode(1.5)));
        assertEquals(null, FeedsInstance.limit(JSON.getNodeFactory().textNode("3")));
    }

    private static List<Long> datenums(ObjectNode c) {
        List<Long> d = new ArrayList<>();
        c.path("items").forEach(i -> d.add(i.path("object").path("datenum").asLong()));
        return d;
    }

    @Test
    void htmlDetection() {
        assertTrue(FeedMapper.isHtml("<p>x</p>"));
        assertTrue(FeedMapper.isHtml("text <br/> more"));
        assertTrue(FeedMapper.isHtml("<!DOCTYPE html><html></html>"));
        assertTrue(FeedMapper.isHtml("<x-widget data-a=1></x-widget>"));
        assertFalse(FeedMapper.isHtml("a < b and c > d"));
        assertFalse(FeedMapper.isHtml("<notatag>"));
    }
}
