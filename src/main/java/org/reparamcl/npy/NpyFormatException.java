package org.reparamcl.npy;

import java.io.IOException;

/**
 * A malformed, unsupported or inconsistent {@code .npy} file. The message is a single line of the
 * form {@code "<file>: <problem>"}.
 */
public final class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a ready-made one-line message.
     *
     * @param message the message, conventionally {@code "<file>: <problem>"}
     */
    public NpyFormatException(String message) {
        super(message);
    }

    /** Builds the {@code "<file>: <problem>"} message. */
    static NpyFormatException of(String name, String problem) {
        return new NpyFormatException(name + ": " + problem);
    }
}
