package org.sockethub.platform.irc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Splits message text into pieces that fit one IRC line, on word boundaries where possible. */
final class LineSplitter {

    private LineSplitter() {
    }

    /**
     * @param text     the text (no CR/LF)
     * @param maxBytes the most UTF-8 bytes one piece may have (at least 16)
     * @return the pieces in order; one piece if the text fits; none for empty text
     */
    static List<String> split(String text, int maxBytes) {
        int max = Math.max(16, maxBytes);
        List<String> out = new ArrayList<>();
        String rest = text;
        while (!rest.isEmpty()) {
            if (utf8(rest) <= max) {
                out.add(rest);
                break;
            }
            int fit = fittingChars(rest, max);
            int cut = rest.lastIndexOf(' ', fit);
            if (cut <= 0) {
                cut = fit; // one long word: cut it (never inside a surrogate pair)
                out.add(rest.substring(0, cut));
                rest = rest.substring(cut);
            } else {
                out.add(rest.substring(0, cut));
                rest = rest.substring(cut + 1);
            }
        }
        return out;
    }

    /** How many chars of {@code s} fit in {@code max} UTF-8 bytes. */
    private static int fittingChars(String s, int max) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > max) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return i;
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
