package org.reparamcl.npy;

import java.io.IOException;

/**
 * A malformed, unsupported or inconsistent {@code .npy} file. The message is a single line of the
 * form {@code "<file>: <problem>"}.
 */
public final class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The dtype string, quoted and escaped for a message, of a well-formed header whose dtype this reader does not load; null otherwise. */
    private final String unsupportedDtype;

    /**
     * Creates an exception with a ready-made one-line message.
     *
     * @param message the message, conventionally {@code "<file>: <problem>"}
     */
    public NpyFormatException(String message) {
        this(message, null);
    }

    private NpyFormatException(String message, String unsupportedDtype) {
        super(message);
        this.unsupportedDtype = unsupportedDtype;
    }

    /** Builds the {@code "<file>: <problem>"} message. */
    static NpyFormatException of(String name, String problem) {
        return new NpyFormatException(name + ": " + problem);
    }

    /** The header names a dtype ({@code descr}) that this reader does not load (int64, bool, float16, ...). */
    static NpyFormatException unsupportedDtype(String name, String problem, String descr) {
        return new NpyFormatException(name + ": " + problem, descr);
    }

    /**
     * The dtype string, quoted and escaped for a message ({@code '<i8'}, {@code '|b1'}, ...), when the file is a well-formed header of
     * a dtype this reader does not load, so that a caller that wants one dtype can say so; null for
     * every other problem.
     */
    public String unsupportedDtype() {
        return unsupportedDtype;
    }
}
