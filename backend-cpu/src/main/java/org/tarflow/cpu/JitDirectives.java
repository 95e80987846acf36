package org.tarflow.cpu;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * Asks HotSpot to always inline the vector math helpers into their callers. A helper that takes or returns a
 * {@code FloatVector} and is compiled on its own sees only the abstract type, so its Vector API calls are not
 * intrinsified and every vector is boxed; C2 normally inlines these helpers, but not always (a helper compiled early
 * and grown too big for the inlining budget stays out of line), which made a training step allocate megabytes of
 * short-lived vector objects in some runs. Installed through the DiagnosticCommand MBean
 * ({@code Compiler.directives_add}); on a JVM without it nothing happens. {@code -Dtarflow.cpu.jitDirectives=false}
 * leaves the JIT alone.
 */
final class JitDirectives {
    static final String DIRECTIVES = "[{ match: \"*.*\", inline: [\"+org/tarflow/cpu/VecMath.*\"] }]";
    private static boolean installed;

    private JitDirectives() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if ("false".equalsIgnoreCase(System.getProperty("tarflow.cpu.jitDirectives", "true"))) {
            return;
        }
        try {
            Path f = Files.createTempFile("tarflow-jit", ".json");
            Files.writeString(f, DIRECTIVES);
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {f.toString()}}, new String[] {String[].class.getName()});
            Files.deleteIfExists(f);
        } catch (Exception | LinkageError e) {
            // not HotSpot, or management disabled: the JIT's own inlining decisions stand
        }
    }
}
