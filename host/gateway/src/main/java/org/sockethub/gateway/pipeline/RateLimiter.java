package org.sockethub.gateway.pipeline;

/**
 * The reference's per-connection event limiter (spec §3.9): every event counts, in a fixed window
 * that starts with the first event; the event that goes over {@code maxRequests} starts a block
 * of {@code blockDurationMs}, during which events are dropped; after the block a new window
 * starts. One instance per connection; not thread-safe on its own (events of one connection
 * arrive one at a time).
 */
public final class RateLimiter {

    /** What to do with an event. */
    public enum Verdict {
        /** Handle it. */
        PASS,
        /** Drop it and tell the client it is blocked (once per block). */
        BLOCK,
        /** Drop it silently (already blocked). */
        DROP
    }

    /**
     * @param windowMs        window length
     * @param maxRequests     events allowed per window
     * @param blockDurationMs how long a block lasts
     */
    public record Settings(long windowMs, int maxRequests, long blockDurationMs) {
    }

    private final Settings settings;
    private long windowStart = -1;
    private int count;
    private long blockedUntil = -1;

    /**
     * @param settings the limits
     */
    public RateLimiter(Settings settings) {
        this.settings = settings;
    }

    /**
     * @param now the current time in ms
     * @return what to do with the event arriving now
     */
    public synchronized Verdict onEvent(long now) {
        if (blockedUntil >= 0) {
            if (now < blockedUntil) {
                return Verdict.DROP;
            }
            blockedUntil = -1;
            windowStart = -1;
        }
        if (windowStart < 0 || now - windowStart >= settings.windowMs()) {
            windowStart = now;
            count = 0;
        }
        count++;
        if (count > settings.maxRequests()) {
            blockedUntil = now + settings.blockDurationMs();
            return Verdict.BLOCK;
        }
        return Verdict.PASS;
    }
}
