package org.sockethub.gateway.ops;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What the gateway counts, and its exposition in the Prometheus text format (version 0.0.4):
 * jobs by platform and outcome, a job latency histogram per platform, worker deaths and
 * restarts, Redis errors, and gauges read at scrape time (connections, instances, workers up).
 * Counting is lock-free ({@link LongAdder}); a scrape reads a consistent-enough snapshot.
 */
public final class Metrics {

    /** A metrics sink that counts nothing, for parts used without a gateway (tests). */
    public static final Metrics NONE = new Metrics();

    /** Upper bounds of the latency buckets, in seconds. */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, LongAdder> jobs = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deaths = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> restarts = new ConcurrentHashMap<>();
    private final LongAdder redisErrors = new LongAdder();

    private static final class Histogram {
        final LongAdder[] counts = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    counts[i].increment(); // cumulative at exposition
                    break;
                }
            }
            count.increment();
            sum.add(seconds);
        }
    }

    /**
     * A job was refused before it was queued ({@code jobs.maxWaiting}): counted with the outcome
     * {@code refused}, and kept out of the latency histogram, which times queued jobs.
     *
     * @param platformId the platform
     */
    public void jobRefused(String platformId) {
        if (this != NONE) {
            jobs.computeIfAbsent(platformId + '\u0000' + "refused", k -> new LongAdder()).increment();
        }
    }

    /**
     * A job got its one answer.
     *
     * @param platformId the platform
     * @param outcome    {@code result}, {@code failure} or {@code timeout}
     * @param nanos      from submission to answer
     */
    public void jobAnswered(String platformId, String outcome, long nanos) {
        if (this == NONE) {
            return;
        }
        jobs.computeIfAbsent(platformId + '\u0000' + outcome, k -> new LongAdder()).increment();
        latency.computeIfAbsent(platformId, k -> new Histogram()).observe(nanos / 1e9);
    }

    /** @param platformId a platform whose worker died */
    public void workerDied(String platformId) {
        if (this != NONE) {
            deaths.computeIfAbsent(platformId, k -> new LongAdder()).increment();
        }
    }

    /** @param platformId a platform whose worker was started again */
    public void workerRestarted(String platformId) {
        if (this != NONE) {
            restarts.computeIfAbsent(platformId, k -> new LongAdder()).increment();
        }
    }

    /** A Redis command failed. */
    public void redisError() {
        redisErrors.increment();
    }

    /** @return how many Redis commands failed */
    public long redisErrors() {
        return redisErrors.sum();
    }

    /**
     * @param gauges name → (help, value), read now
     * @return the exposition
     */
    public String exposition(Map<String, Gauge> gauges) {
        StringBuilder out = new StringBuilder(2048);
        new TreeMap<>(gauges).forEach((name, gauge) -> {
            header(out, name, gauge.help(), "gauge");
            gauge.values().get().forEach((labels, value) -> out.append(name).append(labels).append(' ').append(number(value)).append('\n'));
        });
        header(out, "sockethub_jobs_total", "Jobs answered, by platform and outcome (result, failure, timeout).", "counter");
        new TreeMap<>(jobs).forEach((key, n) -> {
            String[] parts = key.split("\u0000", 2);
            out.append("sockethub_jobs_total{platform=\"").append(escape(parts[0])).append("\",outcome=\"").append(escape(parts[1]))
                    .append("\"} ").append(n.sum()).append('\n');
        });
        header(out, "sockethub_job_duration_seconds", "Time from a job's submission to its answer.", "histogram");
        new TreeMap<>(latency).forEach((platform, h) -> {
            String p = "platform=\"" + escape(platform) + "\"";
            long cumulative = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                cumulative += h.counts[i].sum();
                out.append("sockethub_job_duration_seconds_bucket{").append(p).append(",le=\"").append(number(BUCKETS[i]))
                        .append("\"} ").append(cumulative).append('\n');
            }
            out.append("sockethub_job_duration_seconds_bucket{").append(p).append(",le=\"+Inf\"} ").append(h.count.sum()).append('\n');
            out.append("sockethub_job_duration_seconds_sum{").append(p).append("} ").append(number(h.sum.sum())).append('\n');
            out.append("sockethub_job_duration_seconds_count{").append(p).append("} ").append(h.count.sum()).append('\n');
        });
        perPlatform(out, "sockethub_worker_deaths_total", "Worker JVMs that died (crash, kill, lost heartbeat).", deaths);
        perPlatform(out, "sockethub_worker_restarts_total", "Worker JVMs started again after a death.", restarts);
        header(out, "sockethub_redis_errors_total", "Redis commands that failed.", "counter");
        out.append("sockethub_redis_errors_total ").append(redisErrors.sum()).append('\n');
        return out.toString();
    }

    /**
     * A gauge: its help text and its values by label set ({@code ""} or {@code {k="v"}}).
     *
     * @param help   the help text
     * @param values read at scrape time
     */
    public record Gauge(String help, Supplier<Map<String, Number>> values) {

        /** @return a gauge with one unlabelled value */
        public static Gauge of(String help, Supplier<Number> value) {
            return new Gauge(help, () -> Map.of("", value.get()));
        }
    }

    /** @return {@code {name="value"}} with the value escaped */
    public static String label(String name, String value) {
        return "{" + name + "=\"" + escape(value) + "\"}";
    }

    private static void perPlatform(StringBuilder out, String name, String help, Map<String, LongAdder> counts) {
        header(out, name, help, "counter");
        new TreeMap<>(counts).forEach((platform, n) -> out.append(name).append(label("platform", platform)).append(' ')
                .append(n.sum()).append('\n'));
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String number(Number n) {
        double d = n.doubleValue();
        return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
