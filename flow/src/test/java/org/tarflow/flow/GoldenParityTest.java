package org.tarflow.flow;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.reference.ReferenceBackend;

/** Golden parity ({@link GoldenChecks}) on the CPU backend (float32) and the reference backend (float64). */
class GoldenParityTest {
    private static final Backend CPU = new CpuBackend(2, true);
    private static final Backend REFERENCE = new ReferenceBackend();

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of("uncond", CPU), Arguments.of("cond", CPU), Arguments.of("uncond", REFERENCE),
                Arguments.of("cond", REFERENCE));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void forwardLossAndGradients(String v, Backend be) throws IOException {
        GoldenChecks.forwardLossAndGradients(v, be);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void reverseSamplingAndGuidance(String v, Backend be) throws IOException {
        GoldenChecks.reverseSamplingAndGuidance(v, be);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void denoisingAndClassification(String v, Backend be) throws IOException {
        GoldenChecks.denoisingAndClassification(v, be);
    }
}
