package org.sockethub.jobs;

import java.security.SecureRandom;

/** Random ids of the processes that share a Redis: gateway nodes, worker hosts. */
public final class Ids {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** @return 16 random letters and digits (95 bits): a node's id, the hash tag of its keys */
    public static String random() {
        StringBuilder sb = new StringBuilder(16);
        for (int i = 0; i < 16; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
