package org.sockethub.gateway.workers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Members of a cluster (gateway nodes, worker hosts) seen missing at looks some time apart: one
 * missing at a single look is not taken for gone (a late beat, a Redis that came back empty a
 * moment ago). Not thread-safe: each user looks from one thread, or under its own lock.
 */
public final class Absences {

    private final Map<String, Long> since = new HashMap<>();
    private final long afterNanos;

    /** @param afterMs how long a member must have been missing, from the first look that saw it so */
    public Absences(long afterMs) {
        this.afterNanos = TimeUnit.MILLISECONDS.toNanos(afterMs);
    }

    /**
     * One look.
     *
     * @param missing the members missing at this look; any other is forgotten (it came back)
     * @return those of them missing since a look at least the set time ago, until {@link #done}
     */
    public List<String> longEnough(Collection<String> missing) {
        since.keySet().retainAll(missing);
        long now = System.nanoTime();
        List<String> gone = new ArrayList<>();
        for (String member : missing) {
            if (now - since.computeIfAbsent(member, m -> now) >= afterNanos) {
                gone.add(member);
            }
        }
        return gone;
    }

    /** @param member a member dealt with: if it is missing again, it is so from the next look on */
    public void done(String member) {
        since.remove(member);
    }
}
