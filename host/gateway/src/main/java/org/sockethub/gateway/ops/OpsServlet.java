package org.sockethub.gateway.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RedissonClient;
import org.sockethub.gateway.workers.WorkerSupervisor;

/**
 * {@code /health} and {@code /metrics} for operators and their monitoring.
 *
 * <p>{@code /health} answers 200 when Redis answers a command within 2 s and every worker is up,
 * else 503, with a JSON body that says which part is not. {@code /metrics} is the Prometheus text
 * exposition of {@link Metrics} plus gauges read at scrape time.
 */
public final class OpsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient RedissonClient redis;
    private final transient WorkerSupervisor workers;
    private final transient Metrics metrics;
    private final transient Map<String, Metrics.Gauge> gauges;

    /**
     * @param redis   the gateway's Redis
     * @param workers its workers
     * @param metrics its counters
     * @param gauges  values read at scrape time, by metric name
     */
    public OpsServlet(RedissonClient redis, WorkerSupervisor workers, Metrics metrics, Map<String, Metrics.Gauge> gauges) {
        this.redis = redis;
        this.workers = workers;
        this.metrics = metrics;
        this.gauges = gauges;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        if ("/metrics".equals(request.getServletPath())) {
            byte[] body = metrics.exposition(gauges).getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/plain; version=0.0.4; charset=utf-8");
            response.getOutputStream().write(body);
            return;
        }
        // the answer is written when Redis has answered (or not, within 2 s): no thread waits for it
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        CompletableFuture<Long> answer;
        try {
            answer = redis.getKeys().countExistsAsync("sockethub:health").toCompletableFuture();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.copy().orTimeout(2, TimeUnit.SECONDS).whenComplete((count, failure) -> {
            try {
                health(failure == null, response);
            } catch (IOException | RuntimeException e) {
                // the caller went away
            } finally {
                async.complete();
            }
        });
    }

    private void health(boolean redisAnswered, HttpServletResponse response) throws IOException {
        if (!redisAnswered) {
            metrics.redisError();
        }
        String redisState = redisAnswered ? "ok" : "unreachable";
        ObjectNode health = JSON.createObjectNode();
        health.put("redis", redisState);
        ArrayNode list = health.putArray("workers");
        boolean allUp = true;
        for (WorkerSupervisor.State s : workers.states()) {
            list.addObject().put("platform", s.platformId()).put("lane", s.lane()).put("pid", s.pid())
                    .put("up", s.alive()).put("restarts", s.restarts());
            allUp &= s.alive();
        }
        boolean ok = redisAnswered && allUp;
        health.put("status", ok ? "ok" : "unavailable");
        response.setStatus(ok ? 200 : 503);
        response.setContentType("application/json");
        response.getOutputStream().write(JSON.writeValueAsBytes(health));
    }
}
