package org.sockethub.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** AES-256-GCM with per-thread counter IVs: every message its own IV, on every thread. */
class JobCipherTest {

    private static String ivOf(String sealed) {
        return Arrays.toString(Arrays.copyOf(Base64.getDecoder().decode(sealed), 12));
    }

    @Test
    void everyMessageHasItsOwnIvAndOpens() throws Exception {
        JobCipher cipher = new JobCipher(JobCipher.newKey());
        Set<String> ivs = ConcurrentHashMap.newKeySet();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int n = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    String text = "thread " + n + " message " + i;
                    String sealed = cipher.encrypt(text);
                    assertEquals(text, cipher.decrypt(sealed));
                    assertTrue(ivs.add(ivOf(sealed)), "an IV came twice");
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(20_000, ivs.size());
    }

    @Test
    void theSameTextSealsDifferentlyEachTime() {
        JobCipher cipher = new JobCipher(JobCipher.newKey());
        Set<String> sealed = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            sealed.add(cipher.encrypt("same"));
        }
        assertEquals(100, sealed.size());
    }
}
