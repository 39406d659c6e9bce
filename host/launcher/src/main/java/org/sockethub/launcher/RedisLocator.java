package org.sockethub.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * Picks the Redis the server uses: a configured one (it must answer, or the start fails), else
 * the one on 127.0.0.1:6379 if it answers, else an embedded Redis on a free loopback port that
 * lives and dies with this process.
 */
final class RedisLocator {

    /**
     * @param url      the Redis URL
     * @param how      how it was chosen, for the log
     * @param embedded the embedded server to stop at exit, or {@code null}
     */
    record Choice(String url, String how, Embedded embedded) {
    }

    /**
     * An embedded {@code redis-server}: the library's binary and settings, but started and stopped
     * here. The library's own start registers a JVM shutdown hook that stops Redis at once, while
     * the server's own shutdown (its workers draining, its keys removed) still needs it: seconds of
     * timed-out commands and warnings at every stop. This one ends when {@link #stop} is called,
     * after the server's shutdown.
     */
    static final class Embedded {
        private final Process process;
        private final StringBuilder output = new StringBuilder();

        private Embedded(Process process) {
            this.process = process;
            Thread drain = new Thread(() -> { // its output, kept for an error message
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (output) {
                            output.append(line).append('\n');
                            if (output.length() > 4_000) {
                                output.delete(0, output.length() - 4_000);
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // it ended
                }
            }, "embedded-redis-output");
            drain.setDaemon(true);
            drain.start();
        }

        private String output() {
            synchronized (output) {
                return output.toString().strip();
            }
        }

        /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for that. */
        void stop() throws IOException {
            process.destroy();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private RedisLocator() {
    }

    /** Where an unconfigured server looks first. */
    static final String LOCAL = "redis://127.0.0.1:6379";
    /** The {@code redis.url} that asks for the embedded Redis even when one answers on {@link #LOCAL}. */
    static final String EMBEDDED = "embedded";

    static Choice locate(String configured) throws ConfigException {
        return locate(configured, LOCAL);
    }

    static Choice locate(String configured, String local) throws ConfigException {
        return locate(configured, local, 0, line -> { });
    }

    /**
     * @param configured the configured URL, or empty
     * @param local      where to look when none is configured
     * @param waitMs     how long a configured Redis that does not answer is waited for (retried every second)
     * @param log        receives the line that says the server waits
     * @return the choice
     * @throws ConfigException if none can be used
     */
    static Choice locate(String configured, String local, long waitMs, java.util.function.Consumer<String> log) throws ConfigException {
        return locate(configured, local, waitMs, log, () -> () -> { });
    }

    /**
     * @param whileWaiting started when a configured Redis is waited for; what it returns is run
     *                     when the wait ends (the port's placeholder: {@link WaitingHealth})
     * @see #locate(String, String, long, java.util.function.Consumer)
     */
    static Choice locate(String configured, String local, long waitMs, java.util.function.Consumer<String> log,
            java.util.function.Supplier<Runnable> whileWaiting) throws ConfigException {
        if (EMBEDDED.equals(configured)) {
            try {
                return embedded("embedded, as configured");
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("the embedded Redis did not start: " + e.getMessage());
            }
        }
        if (configured != null && !configured.isEmpty()) {
            if (!answers(configured) && !waitFor("Redis at " + redact(configured), () -> answers(configured), waitMs, log, whileWaiting)) {
                throw new ConfigException("Redis at " + redact(configured) + " does not answer");
            }
            return new Choice(configured, "configured", null);
        }
        if (answers(local)) {
            return new Choice(local, "found on " + local.substring("redis://".length()), null);
        }
        try {
            return embedded("embedded (no Redis configured, none on " + local.substring("redis://".length()) + ")");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("no Redis configured, none on 127.0.0.1:6379, and the embedded Redis did not start: " + e.getMessage());
        }
    }

    /**
     * A configured Redis Cluster: usable once one of its nodes answers (the client learns the rest
     * from it), waited for as a configured Redis is.
     *
     * @param nodes  the configured nodes
     * @param waitMs how long to wait for one of them to answer
     * @param log    receives the line that says the server waits
     * @return the choice, its URL the nodes as given (for logs)
     * @throws ConfigException if none answers
     */
    static Choice cluster(java.util.List<String> nodes, long waitMs, java.util.function.Consumer<String> log) throws ConfigException {
        String shown = String.join(",", nodes.stream().map(RedisLocator::redact).toList());
        java.util.function.BooleanSupplier oneAnswers = () -> nodes.stream().anyMatch(RedisLocator::answers);
        if (!oneAnswers.getAsBoolean() && !waitFor("the Redis Cluster " + shown, oneAnswers, waitMs, log, () -> () -> { })) {
            throw new ConfigException("no node of the Redis Cluster " + shown + " answers");
        }
        return new Choice(String.join(",", nodes), "cluster, configured", null);
    }

    /**
     * @return a new embedded Redis on a free loopback port, without persistence
     * @throws IOException if it does not start
     */
    static Choice embedded() throws IOException {
        return embedded("embedded");
    }

    private static Choice embedded(String how) throws IOException {
        int port = freePort();
        // the binary and its config file are written to java.io.tmpdir (bin/sockethub: the server's tmp/)
        java.util.List<String> command = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").setting("protected-mode yes").buildCommandArgs();
        Embedded server = new Embedded(new ProcessBuilder(command).directory(new java.io.File(command.get(0)).getParentFile())
                .redirectErrorStream(true).start());
        String url = "redis://127.0.0.1:" + port;
        long deadline = System.currentTimeMillis() + 10_000;
        while (!answers(url)) {
            if (!server.process.isAlive() || System.currentTimeMillis() > deadline) {
                server.stop();
                throw new IOException("redis-server " + (server.process.isAlive() ? "did not answer within 10 s" : "exited")
                        + (server.output().isEmpty() ? "" : ": " + server.output()));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.stop();
                throw new IOException("interrupted while the embedded Redis started", e);
            }
        }
        return new Choice(url, how, server);
    }

    /**
     * A configured Redis (or Redis Cluster) that is not up yet (started after the server, e.g. by
     * systemd): waited for, asked again every second.
     *
     * @param what     what is waited for, in the log lines ("Redis at …")
     * @param answers  whether it answers now
     * @param waitMs   how long to wait (≤ 0: not at all)
     * @param log      receives the lines that say the server waits, and that it answers
     * @param whileWaiting started when the wait begins; what it returns is run when it ends
     * @return whether it answered in time
     */
    private static boolean waitFor(String what, java.util.function.BooleanSupplier answers, long waitMs,
            java.util.function.Consumer<String> log, java.util.function.Supplier<Runnable> whileWaiting) {
        if (waitMs <= 0) {
            return false;
        }
        log.accept(what + " does not answer; retrying every second for up to " + waitMs / 1000 + " s (redis.startWaitMs)");
        Runnable done = whileWaiting.get();
        try {
            long deadline = System.currentTimeMillis() + waitMs;
            while (System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                if (answers.getAsBoolean()) {
                    log.accept(what + " answers");
                    return true;
                }
            }
            return false;
        } finally {
            done.run();
        }
    }

    static boolean answers(String url) {
        try (Jedis jedis = new Jedis(URI.create(url), 2000)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return the URL without its password */
    static String redact(String url) {
        return org.sockethub.jobs.RedisTarget.redact(url);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
