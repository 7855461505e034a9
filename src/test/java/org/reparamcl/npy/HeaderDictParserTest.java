package org.reparamcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderDictParserTest {

    private static Map<String, Object> parse(String text) throws NpyFormatException {
        return HeaderDictParser.parse(text, "h.npy");
    }

    private static String rejection(String text) {
        return assertThrows(NpyFormatException.class, () -> parse(text)).getMessage();
    }

    @Test
    void parsesNumpyHeaderWithPadding() throws NpyFormatException {
        Map<String, Object> d = parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }      \n");
        assertEquals(List.of("descr", "fortran_order", "shape"), List.copyOf(d.keySet()));
        assertEquals("<f4", d.get("descr"));
        assertEquals(Boolean.FALSE, d.get("fortran_order"));
        assertArrayEquals(new long[] {3, 4}, (long[]) d.get("shape"));
    }

    @Test
    void acceptsAnyKeyOrderQuotesSpacingAndTrailingCommas() throws NpyFormatException {
        Map<String, Object> d = parse(" {\"shape\":(5,),'fortran_order' :True ,\n\t'descr':\"<u4\"}");
        assertEquals(List.of("shape", "fortran_order", "descr"), List.copyOf(d.keySet()));
        assertArrayEquals(new long[] {5}, (long[]) d.get("shape"));
        assertEquals(Boolean.TRUE, d.get("fortran_order"));
        assertEquals("<u4", d.get("descr"));
        assertArrayEquals(new long[] {1, 2, 3}, (long[]) parse("{'s': ( 1 ,2, 3 , ) }").get("s"));
        assertEquals(0, parse("{}").size());
        assertEquals(0, parse("{ }\n").size());
    }

    @Test
    void parsesTuplesAndIntegers() throws NpyFormatException {
        assertArrayEquals(new long[0], (long[]) parse("{'s': ()}").get("s"));
        assertArrayEquals(new long[0], (long[]) parse("{'s': ( )}").get("s"));
        assertArrayEquals(new long[] {0}, (long[]) parse("{'s': (0,)}").get("s"));
        assertArrayEquals(new long[] {-7, Long.MAX_VALUE}, (long[]) parse("{'s': (-7, 9223372036854775807)}").get("s"));
        assertEquals(12L, parse("{'n': 12}").get("n"));
        long[] many = (long[]) parse("{'s': (" + "1, ".repeat(1000) + ")}").get("s");
        assertEquals(1000, many.length);
    }

    @Test
    void messagesNameFileProblemAndOffset() {
        assertEquals("h.npy: malformed header: expected ',' or '}' at offset 11 (found ''')",
                rejection("{'a': True 'b': 1}"));
        assertEquals("h.npy: malformed header: unexpected text after the header dict at offset 3 (found 'x')",
                rejection("{} x"));
        assertEquals("h.npy: malformed header: expected '{' starting the header dict at offset 0"
                + " (found end of header)", rejection(""));
        assertEquals("h.npy: malformed header: integer 99999999999999999999 is too large at offset 7"
                + " (found '9')", rejection("{'s': (99999999999999999999,)}"));
        assertEquals("h.npy: malformed header: expected ',' or '}' at offset 10 (found U+0000)",
                rejection("{'a': True\0}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'shape': (5)}",         // a parenthesized int, not a tuple
        "{'shape': (5,,)}",
        "{'shape': (,)}",
        "{'shape': [5]}",
        "{'shape': (1e3,)}",
        "{'shape': (1.0,)}",
        "{'shape': (3L,)}",
        "{'shape': (05,)}",
        "{'shape': (-,)}",
        "{'shape': (+5,)}",
        "{'shape': ('a',)}",
        "{'shape': ((1,),)}",
        "{'shape': (1, 2}",
        "{'descr': '<f4}",
        "{'descr': '<f\\x34'}",
        "{'descr': '<f4\n'}",
        "{'descr': <f4}",
        "{'fortran_order': false}",
        "{'fortran_order': None}",
        "{'a': 1, 'a': 2}",
        "{'a': 1,, 'b': 2}",
        "{, }",
        "{'a' 1}",
        "{a: 1}",
        "{'a': 1",
        "'a': 1}",
        "{'a': 1}}",
        "{'a': 1} {}",
        "{'a': 1}\0",
        "{'a': 1}\u00a0",
        "{'a': -}",
        "{'a': }",
    })
    void rejectsGarbage(String text) {
        String message = rejection(text);
        assertTrue(message.startsWith("h.npy: malformed header: "), message);
        assertTrue(!message.contains("\n") && !message.contains("\r"), message);
    }

    /** Only 'descr' may be a list (a structured dtype); it comes back as its text, unparsed. */
    @Test
    void aListDescrComesBackAsItsText() throws NpyFormatException {
        Map<String, Object> d = parse("{'descr': [('a', '<f4'), ('b', [('c', '<i8', (2, 3))])], 'fortran_order': False, 'shape': (3,), }");
        assertEquals(new HeaderDictParser.ListLiteral("[('a', '<f4'), ('b', [('c', '<i8', (2, 3))])]"), d.get("descr"));
        assertArrayEquals(new long[] {3}, (long[]) d.get("shape"));
        assertTrue(rejection("{'descr': [('a', '<f4'), }").contains("unexpected character in list"));
        assertTrue(rejection("{'descr': [('a', ']')").contains("unterminated list"));
        assertTrue(rejection("{'descr': [('a', '<f4']}").contains("expected ')' in list"));
        assertTrue(rejection("{'descr': [('a\\n', '<f4')]}").contains("escape sequences"));
    }

    @Test
    void specificMessages() {
        assertTrue(rejection("{'shape': (5)}").contains("a one-element tuple needs a trailing comma"));
        assertTrue(rejection("{'a': 1, 'a': 2}").contains("duplicate key 'a'"));
        assertTrue(rejection("{'shape': (05,)}").contains("integer 05 has leading zeros"));
        assertTrue(rejection("{'shape': (1e3,)}").contains("unsupported number 1e3"));
        assertTrue(rejection("{'descr': '<f4}").contains("unterminated string"));
        assertTrue(rejection("{'x': None}").contains("unsupported value None"));
        assertTrue(rejection("{'" + "k".repeat(500) + "' 1}").length() < 200);
    }
}
