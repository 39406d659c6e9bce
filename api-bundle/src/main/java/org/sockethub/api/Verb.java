package org.sockethub.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public method of a {@link PlatformInstance} as the handler of one verb (the activity
 * {@code type}). The method takes exactly one {@link Job} parameter and returns {@code void}; it
 * completes the job through {@link Job#complete()}, {@link Job#complete(com.fasterxml.jackson.databind.node.ObjectNode)}
 * or {@link Job#fail(String)}, now or later from another thread.
 *
 * <p>The set of verbs must equal the {@code enum} of {@code properties.type} in the platform's
 * {@code messages} schema; the host refuses the platform otherwise.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Verb {

    /**
     * The verb name as it appears in the activity {@code type}, e.g. {@code "echo"} or
     * {@code "request-friend"}. Empty means the method name.
     *
     * @return the verb name
     */
    String value() default "";
}
