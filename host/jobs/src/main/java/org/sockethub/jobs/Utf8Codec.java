package org.sockethub.jobs;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.Encoder;

/**
 * Redisson's {@link StringCodec} (UTF-8), writing each value with {@link String#getBytes} instead
 * of Netty's character-by-character UTF-8 encoder: the same bytes reach Redis, but the JDK copies
 * an ASCII string's bytes at once (the sealed jobs and answers are base64). Netty's encoder was
 * 4-5 % of a worker's CPU under load (bench/README.md, 2026-12-07 (night), "a machine that swings").
 * Decoding is StringCodec's.
 */
public final class Utf8Codec extends StringCodec {

    /** The one instance: every Redisson client and script of this project uses it. */
    public static final Utf8Codec INSTANCE = new Utf8Codec();

    private static final Encoder ENCODER = in -> Unpooled.wrappedBuffer(in.toString().getBytes(StandardCharsets.UTF_8));

    /** Prefer {@link #INSTANCE}; public for Redisson, which may copy a codec through its constructors. */
    public Utf8Codec() {
        super(StandardCharsets.UTF_8);
    }

    /**
     * For Redisson's copy of a codec for another class loader (a string codec needs none).
     *
     * @param classLoader ignored
     */
    public Utf8Codec(ClassLoader classLoader) {
        this();
    }

    @Override
    public Encoder getValueEncoder() {
        return ENCODER;
    }

    @Override
    public Encoder getEncoder() {
        return ENCODER;
    }
}
