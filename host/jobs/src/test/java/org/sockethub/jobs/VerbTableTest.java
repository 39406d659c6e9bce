package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/** The verbs of an instance type, and which of them never wait. */
class VerbTableTest {

    public static class Probe implements PlatformInstance {
        @Verb(nonBlocking = true)
        public void echo(Job job) {
        }

        @Verb(value = "request-friend", nonBlocking = true)
        public void requestFriend(Job job) {
        }

        @Verb
        public void fetch(Job job) {
        }
    }

    @Test
    void readsTheVerbsAndWhichNeverWait() {
        VerbTable table = VerbTable.of(Probe.class);
        assertEquals(Set.of("echo", "request-friend", "fetch"), table.verbs());
        assertTrue(table.nonBlocking("echo"));
        assertTrue(table.nonBlocking("request-friend"), "by the verb's name, not the method's");
        assertFalse(table.nonBlocking("fetch"), "a plain @Verb may wait");
        assertFalse(table.nonBlocking("requestFriend"));
        assertFalse(table.nonBlocking("unknown"));
        assertNull(table.method("unknown"));
    }
}
