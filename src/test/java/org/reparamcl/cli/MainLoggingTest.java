package org.reparamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

/**
 * {@code Main.main} prints the library's warnings (such as ClContext's note that libjsig is not
 * preloaded) as one line each, {@code reparam: warning: ...}, not as java.util.logging's two-line
 * console record, so an error after a warning still reads as one error line.
 */
class MainLoggingTest {
    @Test
    void libraryWarningsAreOneLineEach() {
        final Logger lib = Logger.getLogger("org.reparamcl");
        final Handler[] handlers = lib.getHandlers();
        final Level level = lib.getLevel();
        final boolean parents = lib.getUseParentHandlers();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            Main.logTo(new PrintStream(e, true, StandardCharsets.UTF_8), false);
            System.getLogger("org.reparamcl").log(System.Logger.Level.WARNING, "first line\nsecond line");
            System.getLogger("org.reparamcl.opencl.ClContext").log(System.Logger.Level.WARNING, "from a {0} logger", "child");
            System.getLogger("org.reparamcl").log(System.Logger.Level.INFO, "the backend choice: not printed");
            assertEquals(List.of("reparam: warning: first line second line", "reparam: warning: from a child logger"),
                    e.toString(StandardCharsets.UTF_8).lines().toList());
        } finally {
            for (Handler h : lib.getHandlers()) {
                lib.removeHandler(h);
            }
            for (Handler h : handlers) {
                lib.addHandler(h);
            }
            lib.setLevel(level);
            lib.setUseParentHandlers(parents);
        }
    }
}
