package org.sockethub.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Turns {@link JobRequest}s and {@link JobEvent}s into sealed stream entries and back: JSON by
 * Jackson, then {@link JobCipher}. Redisson only ever sees strings, which keeps it clear of
 * class loaders inside OSGi. The JSON goes to the cipher and comes from it as UTF-8 bytes, with
 * Jackson's byte-based generator and parser, without a String of it in between.
 */
public final class JobCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final JobCipher cipher;

    /**
     * @param cipher the node's cipher
     */
    public JobCodec(JobCipher cipher) {
        this.cipher = cipher;
    }

    /**
     * @param request the job
     * @return the sealed entry
     */
    public String seal(JobRequest request) {
        return cipher.encrypt(write(request));
    }

    /**
     * @param event the event
     * @return the sealed entry
     */
    public String seal(JobEvent event) {
        return cipher.encrypt(write(event));
    }

    /**
     * @param sealed a sealed entry
     * @return the job
     * @throws IllegalArgumentException if it cannot be opened or read
     */
    public JobRequest openRequest(String sealed) {
        return read(sealed, JobRequest.class);
    }

    /**
     * @param sealed a sealed entry
     * @return the event
     * @throws IllegalArgumentException if it cannot be opened or read
     */
    public JobEvent openEvent(String sealed) {
        return read(sealed, JobEvent.class);
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(String sealed, Class<T> type) {
        try {
            return JSON.readValue(cipher.open(sealed), type);
        } catch (java.io.IOException e) { // JsonProcessingException, as no I/O is done on a byte array
            throw new IllegalArgumentException("malformed " + type.getSimpleName(), e);
        }
    }
}
