package org.sockethub.jobs;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sockethub.api.Job;
import org.sockethub.api.PlatformInstance;
import org.sockethub.api.Verb;

/**
 * The verb → method map of a {@link PlatformInstance} type, read from its {@link Verb}
 * annotations. The gateway uses it to check a platform at registration; a worker uses it to
 * dispatch jobs.
 */
public final class VerbTable {

    private final Map<String, Method> methods;
    /** The verbs declared {@link Verb#nonBlocking()}. */
    private final java.util.Set<String> nonBlocking;

    private VerbTable(Map<String, Method> methods, java.util.Set<String> nonBlocking) {
        this.methods = Collections.unmodifiableMap(methods);
        this.nonBlocking = java.util.Set.copyOf(nonBlocking);
    }

    /**
     * Reads the verbs of a type.
     *
     * @param type the instance type
     * @return its table
     * @throws IllegalArgumentException naming every malformed or duplicate verb method
     */
    public static VerbTable of(Class<? extends PlatformInstance> type) {
        Map<String, Method> methods = new LinkedHashMap<>();
        java.util.Set<String> nonBlocking = new java.util.HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Method m : type.getMethods()) {
            Verb verb = m.getAnnotation(Verb.class);
            if (verb == null) {
                continue;
            }
            String name = verb.value().isEmpty() ? m.getName() : verb.value();
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 1
                    || m.getParameterTypes()[0] != Job.class || m.getReturnType() != void.class) {
                problems.add("verb method " + m.getName() + " must be a public instance method void(Job)");
            } else if (methods.putIfAbsent(name, m) != null) {
                problems.add("verb " + name + " is declared twice");
            } else if (verb.nonBlocking()) {
                nonBlocking.add(name);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + ": " + String.join("; ", problems));
        }
        return new VerbTable(methods, nonBlocking);
    }

    /** @return the verb names, in no particular order */
    public java.util.Set<String> verbs() {
        return methods.keySet();
    }

    /**
     * @param verb a verb name
     * @return its method, or {@code null}
     */
    public Method method(String verb) {
        return methods.get(verb);
    }

    /**
     * @param verb a verb name
     * @return whether its method is declared {@link Verb#nonBlocking()} (a worker may run it on
     *         the thread that received the job)
     */
    public boolean nonBlocking(String verb) {
        return nonBlocking.contains(verb);
    }

    /**
     * Compares with the verbs a messages schema declares.
     *
     * @param schemaVerbs the {@code properties.type.enum} of the messages schema
     * @return a description of the mismatch, or {@code null} when they agree
     */
    public String mismatch(List<String> schemaVerbs) {
        List<String> noMethod = new ArrayList<>();
        for (String v : schemaVerbs) {
            if (!methods.containsKey(v)) {
                noMethod.add(v);
            }
        }
        List<String> notInSchema = new ArrayList<>();
        for (String v : methods.keySet()) {
            if (!schemaVerbs.contains(v)) {
                notInSchema.add(v);
            }
        }
        if (noMethod.isEmpty() && notInSchema.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (!noMethod.isEmpty()) {
            sb.append("schema verbs without a @Verb method: ").append(String.join(", ", noMethod));
        }
        if (!notInSchema.isEmpty()) {
            sb.append(sb.length() > 0 ? "; " : "").append("@Verb methods missing from the schema's type enum: ")
                    .append(String.join(", ", notInSchema));
        }
        return sb.toString();
    }
}
