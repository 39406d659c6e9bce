package org.sockethub.platform.irc;

import java.util.function.Function;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.feature.sending.QueueProcessingThreadSender;

/**
 * Kitteh's scheduled sending queue with a token bucket: up to {@code burst} lines at once, then
 * {@code linesPerSecond}. Every line a verb writes goes through it, so a busy client is never
 * flood-killed (the library's own keep-alive and registration lines use the unpaced queue).
 */
final class PacedSender extends QueueProcessingThreadSender {

    private final double perSecond;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    PacedSender(Client client, double linesPerSecond, int burst) {
        super(client, "paced");
        this.perSecond = Math.max(0.1, linesPerSecond);
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
    }

    static Function<Client.WithManagement, PacedSender> supplier(double linesPerSecond, int burst) {
        return client -> new PacedSender(client, linesPerSecond, burst);
    }

    @Override
    protected boolean checkReady(String message) {
        for (;;) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            long waitMs = (long) Math.ceil((1 - tokens) / perSecond * 1000);
            try {
                Thread.sleep(Math.max(1, waitMs));
            } catch (InterruptedException e) {
                this.interrupt();
                return false;
            }
        }
    }
}
