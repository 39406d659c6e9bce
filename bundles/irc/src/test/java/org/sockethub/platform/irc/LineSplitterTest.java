package org.sockethub.platform.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    @Test
    void shortTextIsOnePiece() {
        assertEquals(List.of("hello world"), LineSplitter.split("hello world", 100));
        assertEquals(List.of(), LineSplitter.split("", 100));
    }

    @Test
    void splitsOnWordBoundaries() {
        String text = "alpha beta gamma delta epsilon zeta eta theta";
        List<String> pieces = LineSplitter.split(text, 16);
        assertEquals(List.of("alpha beta gamma", "delta epsilon", "zeta eta theta"), pieces);
        assertEquals(text, String.join(" ", pieces));
    }

    @Test
    void cutsOneLongWordWithoutBreakingCharacters() {
        String word = "é".repeat(20) + "😀".repeat(5); // 2-byte and 4-byte characters
        List<String> pieces = LineSplitter.split(word, 17);
        assertEquals(word, String.join("", pieces));
        for (String p : pieces) {
            assertTrue(LineSplitter.utf8(p) <= 17, p);
            assertTrue(!Character.isLowSurrogate(p.charAt(0)), "no piece starts inside a surrogate pair");
        }
    }

    @Test
    void longMessageFitsIrcLines() {
        String text = "word ".repeat(300).trim();
        List<String> pieces = LineSplitter.split(text, 400);
        assertTrue(pieces.size() >= 4);
        for (String p : pieces) {
            assertTrue(LineSplitter.utf8(p) <= 400);
            assertTrue(!p.startsWith(" ") && !p.endsWith(" "));
        }
        assertEquals(text, String.join(" ", pieces));
    }
}
