package org.sockethub.jobs;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The keys every process of one cluster derives from its {@code cluster.secret} (HKDF-SHA256,
 * BouncyCastle): gateway nodes that share persistent instances, and worker hosts
 * ({@code --workers-only}) that run the stateless jobs of every node.
 */
public final class ClusterSecret {

    private ClusterSecret() {
    }

    /**
     * The AES-256 key of jobs, results and node messages, the same on every node with this secret:
     * a node's workers, the nodes it shares instances with and the worker hosts open what it seals.
     *
     * @param secret {@code cluster.secret}
     * @return 32 bytes
     */
    public static byte[] jobKey(String secret) {
        return derive(secret, "sockethub jobs v1");
    }

    /**
     * @param secret {@code cluster.secret}
     * @param info   what the key is for (keys for different purposes differ)
     * @return 32 bytes
     */
    public static byte[] derive(String secret, String info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret.getBytes(StandardCharsets.UTF_8), null, info.getBytes(StandardCharsets.UTF_8)));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }
}
