package org.sockethub.gateway.http;

/**
 * The {@code httpActions.*} settings (spec §6.2, §6.6).
 *
 * @param path                  where the endpoint is, e.g. {@code /sockethub-http}
 * @param requireRequestId      whether a request without an id is refused
 * @param maxMessagesPerRequest payloads per request
 * @param maxPayloadBytes       body size
 * @param idempotencyTtlMs      how long a request's status and lines are kept for replay
 * @param requestTimeoutMs      the whole request
 * @param idleTimeoutMs         between two lines
 * @param token                 a bearer token every request must carry; empty for none (a
 *                              difference: the reference has no authentication)
 * @param rateWindowMs          the HTTP rate limit's window ({@code rateLimiter.windowMs})
 * @param rateMax               requests per window and address ({@code rateLimiter.maxRequests})
 * @param corsOrigin            {@code sockethub.cors.origin}
 */
public record HttpActionsSettings(String path, boolean requireRequestId, int maxMessagesPerRequest, long maxPayloadBytes,
                                  long idempotencyTtlMs, long requestTimeoutMs, long idleTimeoutMs, String token,
                                  long rateWindowMs, int rateMax, String corsOrigin) {
}
