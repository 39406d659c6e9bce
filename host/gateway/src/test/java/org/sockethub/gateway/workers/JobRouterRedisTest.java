package org.sockethub.gateway.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.StringCodec;
import org.sockethub.gateway.RedisForTests;
import org.sockethub.jobs.JobCipher;
import org.sockethub.jobs.JobCodec;
import org.sockethub.jobs.JobEvent;
import org.sockethub.jobs.JobRequest;
import org.sockethub.jobs.JobStreams;

/**
 * The job path's gateway side against a real Redis (spec §4, §7.7 "credentials + queue" and
 * "queue"): a worker's side is played here with the same streams, codec and finishing script
 * the real worker uses (the e2e tests run the real one).
 */
class JobRouterRedisTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final byte[] key = JobCipher.newKey();
    private final JobCodec codec = new JobCodec(new JobCipher(key));
    private final List<JobEvent> pushes = new ArrayList<>();
    private RedissonClient redis;
    private ScheduledExecutorService timers;
    private String node;
    private JobRouter router;

    @BeforeEach
    void start() {
        redis = RedisForTests.client();
        timers = Executors.newScheduledThreadPool(1);
        node = RedisForTests.nodeId();
        router = new JobRouter(redis, node, codec, 20_000, 1_000, timers, pushes::add, org.sockethub.gateway.ops.Metrics.NONE);
    }

    @AfterEach
    void stop() {
        router.close();
        timers.shutdownNow();
        redis.shutdown();
    }

    /** A worker's side of a lane: takes jobs and answers them like JobRunner does. */
    private final class Worker {
        final RStream<String, String> jobs;
        final String consumer;
        final JobCodec workerCodec = new JobCodec(new JobCipher(key)); // the key reached it through stdin

        Worker(Lane lane, String consumer) {
            this.jobs = redis.getStream(JobStreams.jobs(node, lane.name()), StringCodec.INSTANCE);
            this.consumer = consumer;
            try { // as JobRunner does: the gateway's own open() is asynchronous
                jobs.createGroup(StreamCreateGroupArgs.name(JobStreams.GROUP).makeStream().id(StreamMessageId.ALL));
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                    throw e;
                }
            }
        }

        Map<StreamMessageId, JobRequest> take(int count) {
            Map<StreamMessageId, JobRequest> taken = new java.util.LinkedHashMap<>();
            long deadline = System.currentTimeMillis() + 5_000;
            while (taken.size() < count && System.currentTimeMillis() < deadline) {
                var batch = jobs.readGroup(JobStreams.GROUP, consumer,
                        StreamReadGroupArgs.neverDelivered().count(count - taken.size()).timeout(Duration.ofMillis(200)));
                if (batch != null) {
                    batch.forEach((id, fields) -> taken.put(id, workerCodec.openRequest(fields.get(JobStreams.FIELD))));
                }
            }
            return taken;
        }

        void finish(StreamMessageId entry, JobEvent event) {
            redis.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_WRITE, JobStreams.FINISH_SCRIPT, RScript.ReturnType.LONG,
                    List.of(JobStreams.jobs(node, laneName()), JobStreams.events(node)), entry.toString(),
                    workerCodec.seal(event), JobStreams.GROUP);
        }

        String laneName() {
            return jobs.getName().substring(JobStreams.jobs(node, "").length());
        }
    }

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    private static JobEvent await(CompletableFuture<JobEvent> answer) throws Exception {
        return answer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void carriesAJobAndItsCredentialsSealedToTheWorkerAndTheResultBack() throws Exception {
        Lane lane = Lane.of("irc");
        Worker worker = new Worker(lane, "w1");
        ObjectNode activity = json("{\"type\":\"send\",\"actor\":{\"id\":\"alice\"},\"object\":{\"content\":\"top secret words\"}}");
        ObjectNode credentials = json("{\"type\":\"credentials\",\"object\":{\"password\":\"hunter2\"}}");
        CompletableFuture<JobEvent> answer = router.submit(lane, JobRequest.of("j1", "s1", "irc", activity, credentials));

        Map<StreamMessageId, JobRequest> taken = worker.take(1);
        String raw = redis.<String, String>getStream(JobStreams.jobs(node, "irc"), StringCodec.INSTANCE)
                .range(StreamMessageId.MIN, StreamMessageId.MAX).values().iterator().next().get(JobStreams.FIELD);
        assertFalse(raw.contains("hunter2") || raw.contains("top secret") || raw.contains("alice"), raw);
        JobRequest job = taken.values().iterator().next();
        assertEquals(credentials, job.credentials());
        assertEquals(activity, job.activity());

        ObjectNode result = json("{\"type\":\"send\",\"object\":{\"content\":\"delivered\"}}");
        worker.finish(taken.keySet().iterator().next(), JobEvent.result("j1", result));
        JobEvent event = await(answer);
        assertEquals(JobEvent.Kind.RESULT, event.kind());
        assertEquals(result, event.activity());
        assertEquals(0, redis.getStream(JobStreams.jobs(node, "irc"), StringCodec.INSTANCE).size(), "the entry is gone");
        assertEquals(0, router.inFlight());
    }

    @Test
    void surfacesAFailureWithItsReason() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker worker = new Worker(lane, "w1");
        CompletableFuture<JobEvent> answer = router.submit(lane, JobRequest.of("j1", "s1", "dummy", json("{\"type\":\"fail\"}"), null));
        worker.finish(worker.take(1).keySet().iterator().next(), JobEvent.failure("j1", "Error: failure message"));
        JobEvent event = await(answer);
        assertEquals(JobEvent.Kind.FAILURE, event.kind());
        assertEquals("Error: failure message", event.error());
    }

    /**
     * A session's chain enqueues each persistent job once the previous one is queued (its
     * credentials are looked up in order first); the jobs reach the stream in that order.
     */
    @Test
    void handsJobsOverInTheOrderTheyWereQueued() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker worker = new Worker(lane, "w1");
        CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < 20; i++) {
            JobRequest job = JobRequest.of("j" + i, "s1", "dummy", json("{\"type\":\"echo\",\"n\":" + i + "}"), null);
            chain = chain.thenCompose(previous -> router.enqueue(lane, job).queued());
        }
        chain.get(5, TimeUnit.SECONDS);
        List<String> order = worker.take(20).values().stream().map(JobRequest::id).toList();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add("j" + i);
        }
        assertEquals(sent, order);
    }

    /** A job of an idempotent verb runs once more after its worker died; after a second death it is failed. */
    @Test
    void runsAnIdempotentJobOnceMoreWhenItsWorkerDies() throws Exception {
        Lane lane = Lane.of("dummy");
        CompletableFuture<JobEvent> echo = router.submit(lane, JobRequest.of("i1", "s1", "dummy", json("{\"type\":\"echo\"}"), null), true);
        CompletableFuture<JobEvent> other = router.submit(lane, JobRequest.of("i2", "s1", "dummy", json("{\"type\":\"fail\"}"), null), false);
        assertEquals(2, new Worker(lane, "first").take(2).size());
        assertEquals(1, router.failTaken(lane, "first", "Error: session thread closed unexpectedly: 137"), "only the other job fails");
        assertEquals("Error: session thread closed unexpectedly: 137", await(other).error());
        assertFalse(echo.isDone());

        Map<StreamMessageId, JobRequest> again = new Worker(lane, "second").take(1);
        assertEquals(List.of("i1"), again.values().stream().map(JobRequest::id).toList(), "the echo, for the next worker");
        assertEquals(1, router.failTaken(lane, "second", "Error: session thread closed unexpectedly: 137"), "not a third run");
        assertEquals("Error: session thread closed unexpectedly: 137", await(echo).error());
    }

    /**
     * The test asks the dead worker which jobs it took rather than assuming the first two.
     */
    @Test
    void answersTheJobsADeadWorkerHadTakenAndKeepsTheRestForTheNext() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker dead = new Worker(lane, "dead");
        Map<String, CompletableFuture<JobEvent>> answers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            answers.put("j" + i, router.submit(lane, JobRequest.of("j" + i, "s1", "dummy", json("{\"type\":\"echo\"}"), null)));
        }
        List<String> tookByDead = dead.take(2).values().stream().map(JobRequest::id).toList();
        assertEquals(2, tookByDead.size());
        assertEquals(2, router.failTaken(lane, "dead", "Error: session thread closed unexpectedly: 137"));
        String left = null;
        for (Map.Entry<String, CompletableFuture<JobEvent>> answer : answers.entrySet()) {
            if (tookByDead.contains(answer.getKey())) {
                assertEquals("Error: session thread closed unexpectedly: 137", await(answer.getValue()).error());
            } else {
                assertFalse(answer.getValue().isDone());
                left = answer.getKey();
            }
        }

        Worker next = new Worker(lane, "next");
        Map<StreamMessageId, JobRequest> taken = next.take(1);
        assertEquals(List.of(left), taken.values().stream().map(JobRequest::id).toList(), "the job not taken");
        next.finish(taken.keySet().iterator().next(), JobEvent.result(left, null));
        assertEquals(JobEvent.Kind.RESULT, await(answers.get(left)).kind());
        assertEquals(0, next.jobs.size(), "the failed ones are not run again");
    }

    /** A worker stopped for a replacement may still take a job: its successor runs it, answered once. */
    @Test
    void handsWhatAStoppedWorkerTookToItsSuccessor() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker old = new Worker(lane, "old");
        CompletableFuture<JobEvent> first = router.submit(lane, JobRequest.of("j0", "s1", "dummy", json("{\"type\":\"echo\"}"), null));
        CompletableFuture<JobEvent> second = router.submit(lane, JobRequest.of("j1", "s1", "dummy", json("{\"type\":\"echo\"}"), null));
        assertEquals(1, old.take(1).size());
        assertEquals(1, router.requeueTaken(lane, "old"));
        assertFalse(first.isDone(), "not answered: it goes to the successor");

        Worker next = new Worker(lane, "next");
        Map<StreamMessageId, JobRequest> taken = next.take(2);
        assertEquals(List.of("j0", "j1"), taken.values().stream().map(JobRequest::id).sorted().toList(), "both jobs, once each");
        taken.forEach((id, job) -> next.finish(id, JobEvent.result(job.id(), null)));
        assertEquals(JobEvent.Kind.RESULT, await(first).kind());
        assertEquals(JobEvent.Kind.RESULT, await(second).kind());
        assertEquals(0, next.jobs.size(), "nothing left to run");
    }

    /**
     * A draining worker that read jobs after it was told to drain reports them; they go back on
     * the stream for its successor, each keeping its one answer, while the jobs it runs stay its own.
     */
    @Test
    void requeuesWhatADrainingWorkerReadButWillNotRun() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker draining = new Worker(lane, "draining");
        Map<String, CompletableFuture<JobEvent>> answers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            answers.put("j" + i, router.submit(lane, JobRequest.of("j" + i, "s1", "dummy", json("{\"type\":\"echo\"}"), null)));
        }
        Map<StreamMessageId, JobRequest> read = draining.take(2);
        var entries = new ArrayList<>(read.entrySet());
        Map.Entry<StreamMessageId, JobRequest> running = entries.get(0);
        Map.Entry<StreamMessageId, JobRequest> left = entries.get(1);
        assertEquals(1, router.requeue(lane, List.of(left.getKey())));
        assertFalse(answers.get(left.getValue().id()).isDone());

        Worker next = new Worker(lane, "next");
        Map<StreamMessageId, JobRequest> taken = next.take(1);
        assertEquals(List.of(left.getValue().id()), taken.values().stream().map(JobRequest::id).toList());
        next.finish(taken.keySet().iterator().next(), JobEvent.result(left.getValue().id(), null));
        draining.finish(running.getKey(), JobEvent.result(running.getValue().id(), null));
        for (CompletableFuture<JobEvent> answer : answers.values()) {
            assertEquals(JobEvent.Kind.RESULT, await(answer).kind());
        }
        assertEquals(0, next.jobs.size(), "nothing left to run");
        assertEquals(0, router.failTaken(lane, "draining", "Error: platform dummy was replaced"), "nothing left to fail");
    }

    /** Jobs submitted one after another, without waiting for each to be queued, reach the stream in that order. */
    @Test
    void jobsSubmittedBackToBackKeepTheirOrderInTheStream() throws Exception {
        Lane lane = Lane.of("dummy");
        Worker worker = new Worker(lane, "w1");
        List<String> sent = new ArrayList<>();
        List<CompletableFuture<?>> queued = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            sent.add("j" + i);
            queued.add(router.enqueue(lane, JobRequest.of("j" + i, "s1", "dummy", json("{\"type\":\"echo\"}"), null)).queued());
        }
        CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertEquals(sent, worker.take(600).values().stream().map(JobRequest::id).toList());
    }

    /**
     * A lane that already holds {@code maxWaiting} unanswered jobs refuses the next at once, with an
     * error answer and nothing put on its stream; once a job is answered there is room again, and
     * other lanes are not affected.
     */
    @Test
    void refusesJobsBeyondALanesLimitAtOnceAndTakesThemAgainOnceOneIsAnswered() throws Exception {
        router.close();
        router = new JobRouter(redis, node, codec, 20_000, 3, timers, pushes::add, org.sockethub.gateway.ops.Metrics.NONE);
        Lane lane = Lane.of("dummy");
        Worker worker = new Worker(lane, "w1");
        List<CompletableFuture<JobEvent>> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accepted.add(router.submit(lane, JobRequest.of("j" + i, "s1", "dummy", json("{\"type\":\"echo\"}"), null)));
        }
        CompletableFuture<JobEvent> refused = router.submit(lane, JobRequest.of("j3", "s1", "dummy", json("{\"type\":\"echo\"}"), null));
        assertTrue(refused.isDone(), "refused at once, not after a timeout");
        assertEquals(JobEvent.Kind.FAILURE, refused.get().kind());
        assertEquals("server busy: 3 jobs already waiting for dummy; try again later", refused.get().error());
        assertEquals("j3", refused.get().job());
        CompletableFuture<JobEvent> otherLane = router.submit(Lane.of("feeds"),
                JobRequest.of("f1", "s1", "feeds", json("{\"type\":\"fetch\"}"), null));
        assertFalse(otherLane.isDone(), "another lane has its own limit");
        assertEquals(4, router.inFlight());

        Map<StreamMessageId, JobRequest> taken = worker.take(4);
        assertEquals(List.of("j0", "j1", "j2"), taken.values().stream().map(JobRequest::id).toList(), "the refused job was never queued");
        StreamMessageId first = taken.keySet().iterator().next();
        worker.finish(first, JobEvent.result("j0", json("{\"type\":\"echo\"}")));
        assertEquals(JobEvent.Kind.RESULT, await(accepted.get(0)).kind());
        CompletableFuture<JobEvent> again = router.submit(lane, JobRequest.of("j4", "s1", "dummy", json("{\"type\":\"echo\"}"), null));
        assertFalse(again.isDone(), "room again once a job was answered");
        assertEquals(List.of("j4"), worker.take(1).values().stream().map(JobRequest::id).toList());
    }

    @Test
    void timesAJobOutOnceAndWithdrawsIt() throws Exception {
        router.close();
        router = new JobRouter(redis, node, codec, 1_000, 1_000, timers, pushes::add, org.sockethub.gateway.ops.Metrics.NONE);
        Lane lane = Lane.of("dummy");
        long submitted = System.nanoTime();
        CompletableFuture<JobEvent> answer = router.submit(lane, JobRequest.of("j1", "s1", "dummy", json("{\"type\":\"hang\"}"), null));
        JobEvent event = answer.get(5, TimeUnit.SECONDS);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - submitted);
        assertTrue(tookMs >= 1_000, "not before its timeout: " + tookMs + " ms");
        assertTrue(tookMs < 1_000 + JobRouter.expiryInterval(1_000) + 500, "soon after its timeout: " + tookMs + " ms");
        assertEquals(JobEvent.Kind.TIMEOUT, event.kind());
        assertEquals("Error: job timed out after 1000 ms", event.error());
        assertEquals(0, router.inFlight());
        Thread.sleep(200);
        assertEquals(0, redis.getStream(JobStreams.jobs(node, "dummy"), StringCodec.INSTANCE).size(),
                "no worker runs it later");
    }

    @Test
    void discardsAnIsolatedInstancesLane() throws Exception {
        Lane lane = Lane.ofInstance("irc", "i7");
        new Worker(lane, "w1");
        CompletableFuture<JobEvent> answer = router.submit(lane, JobRequest.of("j1", "s1", "i7", json("{\"type\":\"join\"}"), null));
        Thread.sleep(200);
        router.discard(lane, "Error: platform irc stopped");
        assertEquals("Error: platform irc stopped", await(answer).error());
        Thread.sleep(200);
        assertEquals(0, redis.getKeys().countExists(JobStreams.jobs(node, "irc/i7")));
    }

    @Test
    void deliversPushesInOrderAndLeavesNothingBehindAtClose() throws Exception {
        ObjectNode said = json("{\"type\":\"send\"}");
        var events = redis.<String, String>getStream(JobStreams.events(node), StringCodec.INSTANCE);
        for (int i = 0; i < 5; i++) {
            events.add(org.redisson.api.stream.StreamAddArgs.entry(JobStreams.FIELD,
                    codec.seal(JobEvent.push("irc", "i" + i, said))));
        }
        long deadline = System.currentTimeMillis() + 5_000;
        while (pushes.size() < 5 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of("i0", "i1", "i2", "i3", "i4"), pushes.stream().map(JobEvent::instance).toList());
        JobRouter.Submission queued = router.enqueue(Lane.of("dummy"), JobRequest.of("j1", "s1", "dummy", said, null));
        queued.queued().get(5, TimeUnit.SECONDS);
        router.close();
        assertEquals("Error: server shutting down", await(queued.answer()).error());
        assertTrue(redis.getKeys().getKeysStreamByPattern(JobStreams.all(node)).findAny().isEmpty());
    }

    @Test
    void aJobForwardedToAnotherNodeGetsThatNodesAnswerOnceOrAnErrorWhenTheNodeStops() throws Exception {
        Lane there = Lane.onNode("chat", "nodeA");
        assertTrue(there.remote());
        List<String> sent = new ArrayList<>();
        JobRouter.Submission first = router.forward(there, "chat-1", () -> {
            sent.add("chat-1");
            return CompletableFuture.completedFuture(new StreamMessageId(1, 0));
        });
        JobRouter.Submission second = router.forward(there, "chat-2", () -> CompletableFuture.completedFuture(new StreamMessageId(1, 1)));
        JobRouter.Submission unsent = router.forward(there, "chat-3", () -> CompletableFuture.failedFuture(new IllegalStateException("down")));
        assertEquals(List.of("chat-1"), sent);
        assertEquals("failed to add job to queue", unsent.answer().get(5, TimeUnit.SECONDS).error());
        assertEquals(2, router.inFlight());
        assertTrue(router.answerFromNode(JobEvent.result("chat-1", null)));
        assertFalse(router.answerFromNode(JobEvent.failure("chat-1", "late")), "one answer");
        assertEquals(JobEvent.Kind.RESULT, first.answer().get(5, TimeUnit.SECONDS).kind());
        router.failForwarded("nodeB", "not this one");
        assertFalse(second.answer().isDone());
        router.failForwarded("nodeA", "Error: the server holding this connection stopped");
        assertEquals("Error: the server holding this connection stopped", second.answer().get(5, TimeUnit.SECONDS).error());
        assertEquals(0, router.inFlight());
    }

    /** A worker host's workers are more consumers of a node's lanes; when it dies, the node answers what they had taken. */
    @Test
    void answersTheJobsADeadWorkerHostHadTakenOnceAndLeavesALiveOnesAlone() throws Exception {
        Lane lane = Lane.of("feeds");
        String dead = "wh-dead" + Long.toHexString(System.nanoTime());
        String live = "wh-live" + Long.toHexString(System.nanoTime());
        var registry = redis.getScoredSortedSet(JobStreams.WORKER_HOSTS, StringCodec.INSTANCE);
        registry.add(System.currentTimeMillis() - 10_000, dead); // its beat ran out 10 s ago, and it has no heartbeat key
        registry.add(Double.MAX_VALUE, live);
        redis.getBucket(JobStreams.alive(live), StringCodec.INSTANCE).set("1", Duration.ofSeconds(30));
        CompletableFuture<JobEvent> fetch = router.submit(lane, JobRequest.of("f1", "s1", "feeds", json("{\"type\":\"fetch\"}"), null), true);
        CompletableFuture<JobEvent> other = router.submit(lane, JobRequest.of("f2", "s1", "feeds", json("{\"type\":\"other\"}"), null), false);
        CompletableFuture<JobEvent> kept = router.submit(lane, JobRequest.of("f3", "s1", "feeds", json("{\"type\":\"other\"}"), null), false);
        Map<StreamMessageId, JobRequest> byDead = new Worker(lane, JobStreams.workerHostConsumer(dead, node, 1)).take(2);
        assertEquals(List.of("f1", "f2"), byDead.values().stream().map(JobRequest::id).toList());
        Worker byLive = new Worker(lane, JobStreams.workerHostConsumer(live, node, 1));
        Map<StreamMessageId, JobRequest> third = byLive.take(1);
        WorkerHosts hosts = new WorkerHosts(redis, router, () -> List.of(lane), timers);
        try {
            assertEquals(WorkerHosts.DIED, other.get(10, TimeUnit.SECONDS).error(), "answered within two looks");
            assertFalse(fetch.isDone(), "an idempotent job runs once more instead");
            Map<StreamMessageId, JobRequest> again = new Worker(lane, "node-own").take(1);
            assertEquals(List.of("f1"), again.values().stream().map(JobRequest::id).toList());
            Thread.sleep(2_000);
            assertFalse(kept.isDone(), "a live worker host keeps its jobs");
            byLive.finish(third.keySet().iterator().next(), JobEvent.result("f3", null));
            assertEquals(JobEvent.Kind.RESULT, await(kept).kind());
            assertTrue(hosts.look().isEmpty(), "a dead worker host is handled once");
        } finally {
            hosts.close();
            registry.remove(dead);
            registry.remove(live);
        }
    }
}
