package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kitteh.irc.client.library.Client;

/** Outgoing lines: a burst at once, then the configured lines per second, in order. */
class PacedSenderTest {

    @Test
    void pacesAfterTheBurst() throws Exception {
        Client client = Client.builder().nick("pacer").server().host("localhost").then().build();
        PacedSender sender = new PacedSender(client, 20, 3);
        List<Long> at = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(11);
        long start = System.nanoTime();
        sender.beginSending(line -> {
            lines.add(line);
            at.add((System.nanoTime() - start) / 1_000_000);
            done.countDown();
        });
        for (int i = 0; i < 11; i++) {
            sender.queue("PRIVMSG #c :" + i);
        }
        assertTrue(done.await(5, TimeUnit.SECONDS));
        sender.shutdown();
        assertEquals("PRIVMSG #c :10", lines.get(10));
        assertTrue(at.get(2) < 100, "the burst goes out at once: " + at);
        assertTrue(at.get(10) >= 350, "then 20 lines a second: " + at);
    }
}
