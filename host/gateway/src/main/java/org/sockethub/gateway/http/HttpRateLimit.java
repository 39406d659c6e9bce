package org.sockethub.gateway.http;

import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.sockethub.jobs.Utf8Codec;

/**
 * The HTTP actions rate limit (spec §3.9): a fixed window per client address, counted in Redis
 * ({@code sockethub:rate-limit:http-actions:<ip>}) so that every gateway node shares it, with the
 * {@code RateLimit-*} headers of the IETF draft on every response.
 */
final class HttpRateLimit {

    /** INCR, start the window on the first hit; returns {count, ms left}. */
    private static final String HIT = "local n = redis.call('INCR', KEYS[1])\n"
            + "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
            + "local ttl = redis.call('PTTL', KEYS[1])\n"
            + "if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end\n"
            + "return {n, ttl}\n";

    private final RScript script;
    private final long windowMs;
    private final int max;

    HttpRateLimit(RedissonClient redis, long windowMs, int max) {
        this.script = redis.getScript(Utf8Codec.INSTANCE);
        this.windowMs = windowMs;
        this.max = max;
    }

    /**
     * Counts a request and sets the headers.
     *
     * @return whether it may proceed (when Redis fails, it may: the limit is a guard, not a gate)
     */
    boolean allow(String address, HttpServletResponse response) {
        List<Long> hit;
        try {
            hit = script.eval(RScript.Mode.READ_WRITE, HIT, RScript.ReturnType.LIST,
                    List.of("sockethub:rate-limit:http-actions:" + address), Long.toString(windowMs));
        } catch (RuntimeException e) {
            return true;
        }
        long count = hit.get(0);
        long resetSeconds = Math.max(1, (hit.get(1) + 999) / 1000);
        response.setHeader("RateLimit-Policy", max + ";w=" + Math.max(1, windowMs / 1000));
        response.setHeader("RateLimit-Limit", Integer.toString(max));
        response.setHeader("RateLimit-Remaining", Long.toString(Math.max(0, max - count)));
        response.setHeader("RateLimit-Reset", Long.toString(resetSeconds));
        if (count > max) {
            response.setHeader("Retry-After", Long.toString(resetSeconds));
            return false;
        }
        return true;
    }
}
