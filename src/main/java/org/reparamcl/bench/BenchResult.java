package org.reparamcl.bench;

import java.util.List;

/**
 * Everything one run measured.
 *
 * @param options      what was asked
 * @param commandLine  the command as typed, for the record
 * @param startedAt    ISO-8601 start time
 * @param wallSeconds  duration of the run
 * @param machine      the machine
 * @param loadAtEnd    load average at the end of the run
 * @param notes        facts about missing rows or the setup
 * @param measurements the measurements, in the order taken
 * @param peers        peer rows read from a peers file (empty without one)
 * @param checkedCases pass cases whose outputs were checked against the CPU reference (all matched:
 *                     a mismatch stops the run before there is a result)
 * @param checkedElements elements compared in those checks
 */
public record BenchResult(BenchOptions options, String commandLine, String startedAt, double wallSeconds,
                          MachineInfo machine, String loadAtEnd, List<String> notes,
                          List<Measurement> measurements, List<PeerRow> peers, int checkedCases,
                          long checkedElements) {
    /** A result with no output checks recorded (hand-made results in tests). */
    public BenchResult(BenchOptions options, String commandLine, String startedAt, double wallSeconds,
                       MachineInfo machine, String loadAtEnd, List<String> notes,
                       List<Measurement> measurements, List<PeerRow> peers) {
        this(options, commandLine, startedAt, wallSeconds, machine, loadAtEnd, notes, measurements, peers, 0, 0);
    }

    public BenchResult {
        notes = List.copyOf(notes);
        measurements = List.copyOf(measurements);
        peers = List.copyOf(peers);
    }

    /** The measurement of (pass, backend, timing, roof) at {@code n}, or null. */
    public Measurement find(String pass, String backend, Timing timing, boolean roof, long n) {
        for (Measurement m : measurements) {
            if (m.pass().equals(pass) && m.backend().equals(backend) && m.timing() == timing && m.roof() == roof
                    && m.elements() == n) {
                return m;
            }
        }
        return null;
    }
}
