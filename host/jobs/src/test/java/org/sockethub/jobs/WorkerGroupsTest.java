package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerGroupsTest {

    private final WorkerGroups groups = new WorkerGroups(
            List.of(List.of("dummy", "feeds", "metadata"), List.of("irc", "feeds", "xmpp")), List.of("metadata"));

    @Test
    void aGroupIsKeyedByItsPlatformsInConfiguredOrder() {
        assertEquals("dummy+feeds+metadata", groups.keyOf("feeds"));
        assertEquals("dummy+feeds+metadata", groups.keyOf("dummy"));
        assertEquals(List.of("dummy", "feeds", "metadata"), groups.configuredWith("metadata"));
    }

    @Test
    void aPlatformNamedInTwoGroupsStaysInTheFirst() {
        assertEquals("irc+xmpp", groups.keyOf("irc"));
        assertEquals(List.of("irc", "xmpp"), groups.configuredWith("xmpp"));
    }

    @Test
    void anUngroupedPlatformRunsAlone() {
        assertEquals("hello", groups.keyOf("hello"));
        assertEquals(List.of("hello"), groups.configuredWith("hello"));
    }

    @Test
    void prewarmingOnePlatformOfAGroupPrewarmsTheGroup() {
        assertTrue(groups.prewarmed("dummy"));
        assertFalse(groups.prewarmed("irc"));
        assertFalse(groups.prewarmed("hello"));
    }
}
