package org.sockethub.jobs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for everything that crosses Redis between gateway and workers: jobs, results and
 * pushes. The key exists only in the memory of the gateway and of the workers it forked (passed
 * over the worker's stdin), so Redis never holds a readable payload.
 *
 * <p>Wire form: base64 of {@code iv(12) || ciphertext || tag(16)}.
 */
public final class JobCipher {

    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    /** One cipher per thread and direction: the AES key schedule is then computed once, not per message. */
    private final ThreadLocal<Cipher> encrypting = ThreadLocal.withInitial(JobCipher::newCipher);
    private final ThreadLocal<Cipher> decrypting = ThreadLocal.withInitial(JobCipher::newCipher);
    /**
     * Each thread's IVs: a random 96-bit start, then one more per message (the counter
     * construction of NIST SP 800-38D 8.2.1 with random starts): unique under one key without a
     * draw from the system's random source, a lock and a read of /dev/urandom per message. Two
     * threads or processes repeat an IV only if their starts lie within their message counts
     * of each other in 2^96.
     */
    private static final ThreadLocal<byte[]> NEXT_IV = ThreadLocal.withInitial(() -> {
        byte[] start = new byte[IV_BYTES];
        RANDOM.nextBytes(start);
        return start;
    });

    /**
     * @param key 32 bytes
     */
    public JobCipher(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("AES-256 needs a 32-byte key");
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * Sets up the JDK's AES-GCM with a throwaway key, on a daemon thread of its own: the provider
     * list, the cipher's classes and the random source, 15–20 ms of a cold JVM that would
     * otherwise fall on its first job (the gateway's and the worker's). The launcher calls it at
     * start, beside the framework's boot.
     */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            JobCipher throwaway = new JobCipher(newKey());
            throwaway.decrypt(throwaway.encrypt("{}"));
        }, "sockethub-cipher-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** @return 32 fresh random bytes */
    public static byte[] newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /**
     * @param plaintext text to protect
     * @return the wire form
     */
    public String encrypt(String plaintext) {
        return encrypt(plaintext.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param plaintext bytes to protect (UTF-8 text, for {@link #decrypt(String)} to read back)
     * @return the wire form
     */
    public String encrypt(byte[] plaintext) {
        try {
            byte[] iv = nextIv();
            Cipher cipher = encrypting.get();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            // iv || ciphertext || tag in one array: the cipher writes after the iv
            byte[] sealed = new byte[IV_BYTES + cipher.getOutputSize(plaintext.length)];
            System.arraycopy(iv, 0, sealed, 0, IV_BYTES);
            int written = cipher.doFinal(plaintext, 0, plaintext.length, sealed, IV_BYTES);
            return Base64.getEncoder().encodeToString(written == sealed.length - IV_BYTES ? sealed
                    : java.util.Arrays.copyOf(sealed, IV_BYTES + written));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    private static byte[] nextIv() {
        byte[] counter = NEXT_IV.get();
        byte[] iv = counter.clone();
        for (int i = IV_BYTES - 1; i >= 0 && ++counter[i] == 0; i--) {
            // carry
        }
        return iv;
    }

    /**
     * @param wire the wire form
     * @return the plaintext
     * @throws IllegalArgumentException if the text was not sealed with this key or was altered
     */
    public String decrypt(String wire) {
        return new String(open(wire), StandardCharsets.UTF_8);
    }

    /**
     * @param wire the wire form
     * @return the plaintext's bytes
     * @throws IllegalArgumentException if the text was not sealed with this key or was altered
     */
    public byte[] open(String wire) {
        try {
            byte[] all = Base64.getDecoder().decode(wire);
            if (all.length < IV_BYTES + TAG_BITS / 8) {
                throw new IllegalArgumentException("sealed payload too short");
            }
            Cipher cipher = decrypting.get();
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            return cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("payload failed authentication", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
