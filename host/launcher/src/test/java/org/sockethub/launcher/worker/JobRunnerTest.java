package org.sockethub.launcher.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadArgs;
import org.sockethub.api.Job;
import org.sockethub.api.Platform;
import org.sockethub.api.PlatformContext;
import org.sockethub.api.PlatformDescriptor;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;
import org.sockethub.jobs.RedisClients;
import org.sockethub.jobs.RedisTarget;
import org.sockethub.jobs.WorkerStart;
import redis.embedded.RedisServer;

/**
 * Where a worker runs a verb ({@code @Verb(nonBlocking = true)} on the I/O thread that took the
 * job, the rest on a job thread), with a real Redis: every job gets exactly its own answer, and a
 * persistent instance's jobs run and are answered in the order they were sent, whichever thread
 * runs each.
 */
class JobRunnerTest {

    private static RedisServer server;
    private static String url;
    private static RedissonClient redis;
    private static ScheduledExecutorService timers;
    /** As in a worker (WorkerMain): one pipeline for every lane's writes. */
    private static org.sockethub.jobs.RedisPipeline writer;
    private static final byte[] KEY = new byte[32];
    private static final JobCodec CODEC = new JobCodec(new JobCipher(KEY));

    /** What the verbs saw, by platform instance key: "verb content thread". */
    static final Map<String, List<String>> RAN = new ConcurrentHashMap<>();

    /** The probe platform's verbs: one that never waits, one that does. */
    public static class ProbeInstance implements PlatformInstance {
        private final List<String> ran;

        public ProbeInstance(PlatformContext context) {
            this.ran = RAN.computeIfAbsent(context.actorId(), k -> new CopyOnWriteArrayList<>());
        }

        @Verb(nonBlocking = true)
        public void quick(Job job) {
            ran.add("quick " + job.activity().path("object").path("content").asText() + " " + Thread.currentThread().getName());
            job.complete();
        }

        @Verb
        public void slow(Job job) throws InterruptedException {
            Thread.sleep(5);
            ran.add("slow " + job.activity().path("object").path("content").asText() + " " + Thread.currentThread().getName());
            job.complete();
        }
    }

    private static Platform probe(boolean persist) {
        ObjectNode messages = JsonNodeFactory.instance.objectNode();
        messages.putObject("properties").putObject("type").putArray("enum").add("quick").add("slow");
        PlatformDescriptor descriptor = PlatformDescriptor.builder("probe", ProbeInstance.class)
                .version("1.0.0").persist(persist).schemas(messages, null, null).build();
        return new Platform() {
            @Override
            public PlatformDescriptor descriptor() {
                return descriptor;
            }

            @Override
            public PlatformInstance createInstance(PlatformContext context) {
                return new ProbeInstance(context);
            }
        };
    }

    @BeforeAll
    static void start() throws Exception {
        String given = System.getenv("REDIS_URL");
        if (given != null && !given.isEmpty()) {
            url = given;
        } else {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no").build();
            server.start();
            url = "redis://127.0.0.1:" + port;
        }
        // as a worker connects (WorkerMain): one I/O thread
        redis = RedisClients.connect(RedisTarget.single(url), 4, "job-runner-test", null, 1);
        timers = Executors.newSingleThreadScheduledExecutor();
        writer = new org.sockethub.jobs.RedisPipeline(redis);
    }

    @AfterAll
    static void stop() throws Exception {
        writer.close();
        redis.shutdown();
        timers.shutdownNow();
        if (server != null) {
            server.stop();
        }
    }

    /** Runs a JobRunner for the probe platform on a lane of a fresh node until {@code close}. */
    private static final class Lane implements AutoCloseable {
        final String node = "t" + System.nanoTime();
        final JobRunner runner;
        final Thread thread;
        final RStream<String, String> jobs;
        final RStream<String, String> events;

        Lane(boolean persist) {
            Platform platform = probe(persist);
            WorkerStart.Member member = new WorkerStart.Member("probe", "probe", "file:probe.jar", JsonNodeFactory.instance.objectNode(), 10);
            WorkerStart start = new WorkerStart(Base64.getEncoder().encodeToString(KEY), RedisTarget.single(url), node, "probe",
                    List.of(member), "probe-" + node + "-1", 1_000, 10_000, JsonNodeFactory.instance.objectNode());
            runner = new JobRunner(start, member, platform.descriptor(), platform, redis, writer, CODEC, timers, left -> { });
            jobs = redis.getStream(JobStreams.jobs(node, "probe"));
            events = redis.getStream(JobStreams.events(node));
            thread = new Thread(() -> {
                try {
                    runner.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "probe-lane");
            thread.start();
        }

        void submit(String id, String actor, String verb, String content) {
            ObjectNode activity = JsonNodeFactory.instance.objectNode();
            activity.put("type", verb);
            activity.putObject("actor").put("id", actor).put("type", "person");
            activity.putObject("object").put("type", "message").put("content", content);
            String sealed = CODEC.seal(JobRequest.of(id, "session-" + actor, actor, activity, null));
            jobs.add(StreamAddArgs.entry(JobStreams.FIELD, sealed));
        }

        /** The answers on the events stream, in stream order, once there are {@code count}. */
        List<JobEvent> answers(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (;;) {
                Map<StreamMessageId, Map<String, String>> read = events.read(StreamReadArgs.greaterThan(StreamMessageId.ALL).count(10_000));
                List<JobEvent> answers = new ArrayList<>();
                read.values().forEach(entry -> answers.add(CODEC.openEvent(entry.get(JobStreams.FIELD))));
                if (answers.size() >= count || System.nanoTime() > deadline) {
                    return answers;
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() throws Exception {
            runner.drain();
            thread.join(10_000);
        }
    }

    @Test
    void aVerbThatNeverWaitsRunsWhereTheJobArrivedTheOthersOnAJobThreadAndEachJobGetsItsOwnAnswer() throws Exception {
        try (Lane lane = new Lane(false)) {
            for (int i = 0; i < 20; i++) {
                lane.submit("job-" + i, "shared", i % 2 == 0 ? "quick" : "slow", "c" + i);
                if (i == 0) {
                    lane.answers(1); // the shared instance exists: later batches are taken on the I/O thread
                }
            }
            List<JobEvent> answers = lane.answers(20);
            assertEquals(20, answers.size(), "one answer per job: " + answers);
            List<String> ids = answers.stream().map(JobEvent::job).sorted().toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add("job-" + i);
            }
            assertEquals(expected.stream().sorted().toList(), ids, "each job answered once");
            answers.forEach(a -> assertEquals(JobEvent.Kind.RESULT, a.kind(), a.toString()));
            List<String> ran = RAN.get("shared"); // a stateless instance's context has its first job's actor
            assertEquals(20, ran.size(), ran.toString());
            for (String line : ran) {
                String thread = line.substring(line.lastIndexOf(' ') + 1);
                if (line.startsWith("slow ")) {
                    assertTrue(thread.startsWith("worker-job"), line);
                } else if (!line.startsWith("quick c0 ")) { // the first created the instance on a job thread
                    assertTrue(thread.startsWith("redisson-netty"), line);
                }
            }
            assertEquals(0, lane.jobs.size(), "every entry acknowledged and deleted");
        } finally {
            RAN.clear();
        }
    }

    @Test
    void theLanesOfAWorkerShareOneWriterSoEachIsAnsweredWithinItsPool() throws Exception {
        // the pool has 4 connections: two lanes' reads and one writer for both leave one for this test's
        // commands (a writer per lane would take them all, and the test's commands would wait for ever)
        try (Lane first = new Lane(false); Lane second = new Lane(false)) {
            first.submit("first-1", "ann", "quick", "one");
            second.submit("second-1", "bob", "slow", "two");
            assertEquals(List.of("first-1"), first.answers(1).stream().map(JobEvent::job).toList());
            assertEquals(List.of("second-1"), second.answers(1).stream().map(JobEvent::job).toList());
        } finally {
            RAN.clear();
        }
    }

    @Test
    void aPersistentInstanceRunsAndAnswersItsJobsInOrderWhicheverThreadRunsThem() throws Exception {
        try (Lane lane = new Lane(true)) {
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String verb = (i / 3) % 2 == 0 ? "quick" : "slow";
                lane.submit("job-" + i, "alice", verb, "c" + i);
                sent.add(verb + " c" + i);
            }
            List<JobEvent> answers = lane.answers(40);
            assertEquals(40, answers.size(), "one answer per job");
            for (int i = 0; i < 40; i++) {
                assertEquals("job-" + i, answers.get(i).job(), "answers in the order the jobs were sent");
            }
            List<String> ran = RAN.get("alice").stream().map(l -> l.substring(0, l.lastIndexOf(' '))).toList();
            assertEquals(sent, ran, "run in the order they were sent");
        } finally {
            RAN.clear();
        }
    }
}
