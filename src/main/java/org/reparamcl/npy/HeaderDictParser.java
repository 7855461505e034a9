package org.reparamcl.npy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict parser for the Python dict literal in an {@code .npy} header.
 *
 * <p>Accepted grammar (whitespace is space, tab, CR or LF and may appear between any tokens):
 * <pre>
 *   header := ws dict ws EOF
 *   dict   := '{' [ entry (',' entry)* [','] ] '}'
 *   entry  := string ':' value        (for the key 'descr' also: string ':' list)
 *   value  := string | 'True' | 'False' | int | tuple
 *   tuple  := '(' ')' | '(' int ',' ')' | '(' int (',' int)+ [','] ')'
 *   int    := ['-'] ('0' | [1-9][0-9]*)
 *   string := quote, characters other than the quote, backslash or newline, quote
 * </pre>
 * Values come back as {@code String}, {@code Boolean}, {@code Long} or {@code long[]}.
 * Duplicate keys are rejected. A {@code 'descr'} that is a list (a structured dtype such as
 * {@code [('a', '<f4')]}) is not parsed into its fields: its brackets, parentheses and quotes
 * must balance, and it comes back as a {@link ListLiteral} holding its text, so that the reader
 * can name the dtype it does not load instead of calling the header malformed.
 */
final class HeaderDictParser {

    private static final int MAX_SHOWN = 40;

    /** The text of a list value, such as the {@code descr} of a structured dtype, kept unparsed. */
    record ListLiteral(String text) {
    }

    private final String text;
    private final String name;
    private int pos;

    private HeaderDictParser(String text, String name) {
        this.text = text;
        this.name = name;
    }

    /**
     * Parses a header dict.
     *
     * @param text the decoded header, padding included
     * @param name the file name for messages
     * @return the entries in file order
     * @throws NpyFormatException if the text is not a dict literal of the accepted form
     */
    static Map<String, Object> parse(String text, String name) throws NpyFormatException {
        return new HeaderDictParser(text, name).dict();
    }

    private Map<String, Object> dict() throws NpyFormatException {
        skipWhitespace();
        expect('{', "'{' starting the header dict");
        Map<String, Object> entries = new LinkedHashMap<>();
        skipWhitespace();
        while (peek() != '}') {
            int keyPos = pos;
            if (peek() != '\'' && peek() != '"') {
                throw error("expected a quoted key or '}'");
            }
            String key = string();
            skipWhitespace();
            expect(':', "':' after key " + show(key));
            skipWhitespace();
            Object value = key.equals("descr") && peek() == '[' ? listLiteral() : value();
            if (entries.put(key, value) != null) {
                pos = keyPos;
                throw error("duplicate key " + show(key));
            }
            skipWhitespace();
            if (peek() == ',') {
                pos++;
                skipWhitespace();
            } else if (peek() != '}') {
                throw error("expected ',' or '}'");
            }
        }
        pos++;
        skipWhitespace();
        if (pos != text.length()) {
            throw error("unexpected text after the header dict");
        }
        return entries;
    }

    private Object value() throws NpyFormatException {
        int c = peek();
        if (c == '\'' || c == '"') {
            return string();
        }
        if (c == '(') {
            return tuple();
        }
        if (c == '-' || isDigit(c)) {
            return integer();
        }
        if (isNameStart(c)) {
            int start = pos;
            while (isNameStart(peek()) || isDigit(peek())) {
                pos++;
            }
            String word = text.substring(start, pos);
            if (word.equals("True")) {
                return Boolean.TRUE;
            }
            if (word.equals("False")) {
                return Boolean.FALSE;
            }
            pos = start;
            throw error("unsupported value " + abbreviate(word));
        }
        throw error("expected a value (string, True, False, integer or tuple)");
    }

    /**
     * A bracketed list, with nested lists, tuples and strings (quotes and nesting checked, the
     * items not interpreted), as the text from '[' to its matching ']'.
     */
    private ListLiteral listLiteral() throws NpyFormatException {
        final int start = pos;
        final StringBuilder closers = new StringBuilder();
        while (true) {
            final int c = peek();
            if (c == -1) {
                pos = start;
                throw error("unterminated list");
            }
            if (c == '\'' || c == '"') {
                string();
                continue;
            }
            if (c == '[' || c == '(') {
                closers.append(c == '[' ? ']' : ')');
                pos++;
                continue;
            }
            if (c == ']' || c == ')') {
                if (closers.charAt(closers.length() - 1) != c) {
                    throw error("expected '" + closers.charAt(closers.length() - 1) + "' in list");
                }
                closers.setLength(closers.length() - 1);
                pos++;
                if (closers.length() == 0) {
                    return new ListLiteral(text.substring(start, pos));
                }
                continue;
            }
            if (c == '{' || c == '}' || c == ':') {
                throw error("unexpected character in list");
            }
            pos++;
        }
    }

    private long[] tuple() throws NpyFormatException {
        int start = pos;
        pos++; // '('
        skipWhitespace();
        long[] items = new long[4];
        int n = 0;
        boolean trailingComma = false;
        while (peek() != ')') {
            if (peek() != '-' && !isDigit(peek())) {
                throw error("expected an integer or ')' in tuple");
            }
            if (n == items.length) {
                items = Arrays.copyOf(items, n * 2);
            }
            items[n++] = integer();
            skipWhitespace();
            trailingComma = false;
            if (peek() == ',') {
                pos++;
                trailingComma = true;
                skipWhitespace();
            } else if (peek() != ')') {
                throw error("expected ',' or ')' in tuple");
            }
        }
        if (n == 1 && !trailingComma) {
            pos = start;
            throw error("parenthesized integer is not a tuple (a one-element tuple needs a trailing comma)");
        }
        pos++; // ')'
        return Arrays.copyOf(items, n);
    }

    private long integer() throws NpyFormatException {
        int start = pos;
        boolean negative = false;
        if (peek() == '-') {
            negative = true;
            pos++;
        }
        int digitsStart = pos;
        long value = 0;
        boolean overflow = false;
        while (isDigit(peek())) {
            int digit = peek() - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                overflow = true;
            } else {
                value = value * 10 + digit;
            }
            pos++;
        }
        int digits = pos - digitsStart;
        if (digits == 0) {
            throw error("expected digits after '-'");
        }
        int next = peek();
        if (isNameStart(next) || next == '.') {
            while (isNameStart(peek()) || isDigit(peek()) || peek() == '.') {
                pos++;
            }
            String literal = text.substring(start, pos);
            pos = start;
            throw error("unsupported number " + abbreviate(literal) + " (expected a decimal integer)");
        }
        if (digits > 1 && text.charAt(digitsStart) == '0') {
            pos = start;
            throw error("integer " + abbreviate(text.substring(start, digitsStart + digits))
                    + " has leading zeros");
        }
        if (overflow) {
            pos = start;
            throw error("integer " + abbreviate(text.substring(start, digitsStart + digits))
                    + " is too large");
        }
        return negative ? -value : value;
    }

    private String string() throws NpyFormatException {
        int start = pos;
        char quote = text.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = peek();
            if (c == quote) {
                pos++;
                return sb.toString();
            }
            if (c == -1 || c == '\n' || c == '\r') {
                pos = start;
                throw error("unterminated string");
            }
            if (c == '\\') {
                throw error("escape sequences in strings are not supported");
            }
            sb.append((char) c);
            pos++;
        }
    }

    private void expect(char c, String what) throws NpyFormatException {
        if (peek() != c) {
            throw error("expected " + what);
        }
        pos++;
    }

    private void skipWhitespace() {
        while (true) {
            int c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** The current character, or -1 at the end of the text. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private NpyFormatException error(String problem) {
        String found = pos < text.length() ? "found " + showChar(text.charAt(pos)) : "found end of header";
        return NpyFormatException.of(name, "malformed header: " + problem + " at offset " + pos
                + " (" + found + ")");
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameStart(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /** Quotes a string for a one-line message, escaping non-printable characters and eliding long ones. */
    static String show(String s) {
        return "'" + abbreviate(s) + "'";
    }

    private static String abbreviate(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < MAX_SHOWN; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        if (s.length() > MAX_SHOWN) {
            sb.append("...");
        }
        return sb.toString();
    }

    private static String showChar(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
