package org.sockethub.jobs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which platforms share a worker JVM ({@code workers.groups}) and which workers start with the
 * gateway rather than on first use ({@code workers.prewarm}).
 *
 * <p>A platform in no group runs alone. A group's key is its platforms joined by {@code +} in
 * configured order, e.g. {@code dummy+feeds+metadata}; an ungrouped platform's key is its id.
 */
public final class WorkerGroups {

    /** The default layout: the bundled platforms in one worker (docs/architecture.md, "Why one group by default"). */
    public static final List<List<String>> DEFAULT = List.of(List.of("dummy", "feeds", "metadata", "irc", "xmpp"));

    private final Map<String, List<String>> groupOf = new LinkedHashMap<>();
    private final Set<String> prewarm;

    /**
     * @param groups  lists of platform ids that share a worker; a platform named in two groups
     *                stays in the first
     * @param prewarm platform ids whose worker starts as soon as its platforms are registered
     */
    public WorkerGroups(Collection<? extends List<String>> groups, Collection<String> prewarm) {
        for (List<String> group : groups) {
            List<String> members = new ArrayList<>();
            for (String id : group) {
                if (!groupOf.containsKey(id) && !members.contains(id)) {
                    members.add(id);
                }
            }
            List<String> fixed = List.copyOf(members);
            fixed.forEach(id -> groupOf.put(id, fixed));
        }
        this.prewarm = Set.copyOf(prewarm);
    }

    /**
     * @param workers the {@code workers} section of a configuration (missing keys: the defaults)
     * @return its {@code groups} and {@code prewarm}
     */
    public static WorkerGroups of(com.fasterxml.jackson.databind.JsonNode workers) {
        List<List<String>> groups = new ArrayList<>();
        if (workers.path("groups").isArray()) {
            for (com.fasterxml.jackson.databind.JsonNode group : workers.path("groups")) {
                List<String> ids = new ArrayList<>();
                group.forEach(id -> ids.add(id.asText()));
                groups.add(ids);
            }
        } else {
            groups.addAll(DEFAULT);
        }
        List<String> prewarm = new ArrayList<>();
        if (workers.path("prewarm").isArray()) {
            workers.path("prewarm").forEach(id -> prewarm.add(id.asText()));
        } else {
            DEFAULT.forEach(prewarm::addAll);
        }
        return new WorkerGroups(groups, prewarm);
    }

    /**
     * @return the keys of the workers that start with the gateway, for the platforms given
     * @param platformIds the platforms there are
     */
    public List<String> prewarmedKeys(Collection<String> platformIds) {
        List<String> keys = new ArrayList<>();
        for (String id : platformIds) {
            if (prewarmed(id) && !keys.contains(keyOf(id))) {
                keys.add(keyOf(id));
            }
        }
        return keys;
    }

    /**
     * @param platformId a platform
     * @return the key of the worker that runs it (shared by its group)
     */
    public String keyOf(String platformId) {
        List<String> group = groupOf.get(platformId);
        return group == null ? platformId : String.join("+", group);
    }

    /**
     * @param platformId a platform
     * @return the platforms configured to share its worker, itself included, in configured order
     */
    public List<String> configuredWith(String platformId) {
        List<String> group = groupOf.get(platformId);
        return group == null ? List.of(platformId) : group;
    }

    /**
     * @param platformId a platform
     * @return whether its worker starts with the gateway (it or one of its group is prewarmed)
     */
    public boolean prewarmed(String platformId) {
        return configuredWith(platformId).stream().anyMatch(prewarm::contains);
    }
}
