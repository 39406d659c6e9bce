package org.sockethub.gateway.credentials;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Seals credentials for one session: the key is HKDF-SHA256 (BouncyCastle) of the server's
 * per-boot master secret with the session's own random secret as salt, so a stored value is
 * readable only while both the server process and that session exist. AES-256-GCM (the JDK's, as
 * for jobs: {@code JobCipher}) with a random 96-bit nonce; stored as
 * {@code hex(nonce):hex(tag):hex(ciphertext)}.
 */
public final class CredentialCipher {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] INFO = "sockethub credentials v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final int TAG = 16;
    private static final HexFormat HEX = HexFormat.of();
    /**
     * One cipher object per thread, re-initialised with each session's key: finding the
     * provider's implementation is then done once per thread, not per seal or open. (The JDK's
     * GCM also sets up a key in far less time than BouncyCastle's table-driven one.)
     */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });

    private final SecretKeySpec key;

    private CredentialCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * @param master        the per-boot master secret
     * @param sessionSecret the session's random secret
     * @return the session's cipher
     */
    public static CredentialCipher forSession(byte[] master, byte[] sessionSecret) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(master, sessionSecret, INFO));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return new CredentialCipher(key);
    }

    /** @return 32 random bytes (a master or a session secret) */
    public static byte[] newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /**
     * @param plaintext the credentials JSON
     * @return the stored form
     */
    public String seal(String plaintext) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] out;
        try {
            Cipher gcm = GCM.get();
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce));
            out = gcm.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException impossible) {
            throw new IllegalStateException(impossible);
        }
        int n = out.length;
        byte[] ciphertext = Arrays.copyOfRange(out, 0, n - TAG);
        byte[] tag = Arrays.copyOfRange(out, n - TAG, n);
        return HEX.formatHex(nonce) + ":" + HEX.formatHex(tag) + ":" + HEX.formatHex(ciphertext);
    }

    /**
     * @param stored the stored form
     * @return the credentials JSON
     * @throws IllegalArgumentException if it was not sealed with this session's key, or was altered
     */
    public String open(String stored) {
        String[] parts = stored.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a sealed credential");
        }
        byte[] nonce = HEX.parseHex(parts[0]);
        byte[] tag = HEX.parseHex(parts[1]);
        byte[] ciphertext = HEX.parseHex(parts[2]);
        if (nonce.length != NONCE || tag.length != TAG) {
            throw new IllegalArgumentException("not a sealed credential");
        }
        byte[] in = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, in, 0, ciphertext.length);
        System.arraycopy(tag, 0, in, ciphertext.length, tag.length);
        try {
            Cipher gcm = GCM.get();
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce));
            return new String(gcm.doFinal(in), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("credential failed authentication", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("credential cannot be opened", e);
        }
    }
}
