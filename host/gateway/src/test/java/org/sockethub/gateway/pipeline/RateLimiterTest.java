package org.sockethub.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final RateLimiter limiter = new RateLimiter(new RateLimiter.Settings(1000, 100, 5000));

    @Test
    void theHundredAndFirstEventInAWindowBlocksOnceThenDropsSilently() {
        for (int i = 0; i < 100; i++) {
            assertEquals(RateLimiter.Verdict.PASS, limiter.onEvent(i));
        }
        assertEquals(RateLimiter.Verdict.BLOCK, limiter.onEvent(100));
        assertEquals(RateLimiter.Verdict.DROP, limiter.onEvent(101));
        assertEquals(RateLimiter.Verdict.DROP, limiter.onEvent(5099));
        assertEquals(RateLimiter.Verdict.PASS, limiter.onEvent(5100)); // block over: a new window
    }

    @Test
    void aNewWindowStartsWithTheFirstEventAfterTheLast() {
        for (int i = 0; i < 100; i++) {
            assertEquals(RateLimiter.Verdict.PASS, limiter.onEvent(0));
        }
        assertEquals(RateLimiter.Verdict.PASS, limiter.onEvent(1000));
        for (int i = 0; i < 99; i++) {
            assertEquals(RateLimiter.Verdict.PASS, limiter.onEvent(1500));
        }
        assertEquals(RateLimiter.Verdict.BLOCK, limiter.onEvent(1999));
    }
}
