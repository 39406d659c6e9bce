package org.sockethub.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line, parsed once. Flags follow the reference server ({@code --port},
 * {@code --host}, {@code -c/--config}, {@code --redis.url}, {@code --cors.origin},
 * {@code --sentry.dsn}, {@code --examples}, {@code --info}, {@code -v/--version},
 * {@code -h/--help}), plus {@code --deploy <dir>} for the drop-in folder. Both
 * {@code --flag value} and {@code --flag=value} work.
 *
 * @param values flags that take a value, by canonical name
 * @param switches flags without a value that were given
 */
record Cli(Map<String, String> values, List<String> switches) {

    private static final List<String> VALUED = List.of("port", "host", "config", "redis.url", "redis.cluster.nodes", "cors.origin", "sentry.dsn", "deploy");
    private static final List<String> SWITCHES = List.of("examples", "console", "info", "sentry-test", "workers-only", "version", "help");
    /** Flags whose value is optional. */
    private static final List<String> OPTIONAL = List.of("write-config");

    static final String USAGE = """
            Usage: ./sockethub [options]

              --port <n>            port to listen on (env PORT; default 10550)
              --host <address>      address to bind (env HOST; default 127.0.0.1)
              -c, --config <file>   configuration file (env SOCKETHUB_CONFIG; default ./sockethub.config.json,
                                    a release's own in a release)
              --redis.url <url>     Redis to use (env REDIS_URL); without one, 127.0.0.1:6379 if it answers,
                                    else an embedded Redis; "embedded" for the embedded one in any case
              --redis.cluster.nodes <list>
                                    a Redis Cluster instead: redis://host:port of some of its nodes,
                                    comma-separated (env REDIS_CLUSTER_NODES)
              --cors.origin <list>  allowed origins (env SOCKETHUB_CORS_ORIGIN; default *)
              --sentry.dsn <dsn>    report errors to Sentry (env SENTRY_DSN; off by default)
              --sentry-test         send a test event to the configured Sentry, then exit
              --deploy <dir>        drop-in folder for platform JARs (default ./deploy, a release's own in a release)
              --examples            serve the examples page at /examples
              --console             open the Gogo shell on this terminal (sockethub:platforms, ...)
              --workers-only        a worker host: no gateway, only workers that take the stateless jobs
                                    (workerHost.platforms) of every gateway node on this Redis; needs the
                                    nodes' cluster.secret (docs/scaling.md)
              --info                print what would run, then exit
              --cds-training        (bin/sockethub) write the class-data-sharing archives for this Java
                                    into cds/ with a training start (~20 s), then exit
              --write-config [file] write every setting with its default to file (default
                                    ./sockethub.config.json; - for stdout), then exit
              -v, --version         print the version and exit
              -h, --help            print this help and exit
            """;

    /** A command line that cannot be understood. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Cli parse(String[] args) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> switches = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String inline = null;
            if (arg.equals("-c")) {
                name = "config";
            } else if (arg.equals("-v")) {
                name = "version";
            } else if (arg.equals("-h")) {
                name = "help";
            } else if (arg.startsWith("--")) {
                name = arg.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
            } else {
                throw new UsageException("unexpected argument: " + arg);
            }
            if (OPTIONAL.contains(name)) {
                String value = inline;
                if (value == null && i + 1 < args.length && (!args[i + 1].startsWith("-") || args[i + 1].equals("-"))) {
                    value = args[++i];
                }
                values.put(name, value == null ? "" : value);
            } else if (VALUED.contains(name)) {
                String value = inline;
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                values.put(name, value);
            } else if (SWITCHES.contains(name) && inline == null) {
                switches.add(name);
            } else {
                throw new UsageException("unknown option: " + arg);
            }
        }
        return new Cli(values, switches);
    }

    boolean has(String flag) {
        return switches.contains(flag);
    }

    String value(String flag) {
        return values.get(flag);
    }
}
