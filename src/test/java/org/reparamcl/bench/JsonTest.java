package org.reparamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writeThenParseGivesTheSameValues() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\"\\ line\nwith\ttab and \u0001");
        m.put("i", 42L);
        m.put("d", 1.5e-7);
        m.put("big", 3.0e20);
        m.put("t", true);
        m.put("n", null);
        m.put("nan", Double.NaN);
        m.put("list", new ArrayList<>(Arrays.asList(1.0, "x", null)));
        m.put("nested", List.of(Map.of("k", 2.0)));
        m.put("empty", List.of());
        final Object back = Json.parse(Json.write(m));
        assertTrue(back instanceof Map);
        final Map<?, ?> b = (Map<?, ?>) back;
        assertEquals(m.get("s"), b.get("s"));
        assertEquals(42.0, b.get("i"));
        assertEquals(1.5e-7, b.get("d"));
        assertEquals(3.0e20, b.get("big"));
        assertEquals(true, b.get("t"));
        assertTrue(b.containsKey("n") && b.get("n") == null);
        assertTrue(b.containsKey("nan") && b.get("nan") == null, "non-finite numbers are written as null");
        assertEquals(Arrays.asList(1.0, "x", null), b.get("list"));
        assertEquals(List.of(Map.of("k", 2.0)), b.get("nested"));
        assertEquals(List.of(), b.get("empty"));
        assertEquals(List.copyOf(m.keySet()), List.copyOf(b.keySet()), "key order is kept");
    }

    @Test
    void malformedTextIsRejectedWithItsPosition() {
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "[1,]", "[1 2]", "\"open", "tru", "{\"a\":1} x", "{1:2}",
            "-", "\"bad \\q escape\""}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON at character "), e.getMessage());
        }
    }

    @Test
    void unicodeEscapesAreDecoded() {
        assertEquals("A\u00e9", Json.parse("\"\\u0041\\u00e9\""));
    }
}
