package org.tarflow.train.cli;

import java.util.concurrent.Callable;
import org.tarflow.tensor.BackendProvider;
import org.tarflow.tensor.Backends;
import picocli.CommandLine.Command;

@Command(name = "devices", description = {"Lists the backends on the class path, whether each can run here (and if"
        + " not, why), and the devices it sees. Choose an OpenCL device with"
        + " TARFLOW_JAVA_OPTS=-Dtarflow.opencl.device=INDEX|NAME.", ""})
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        String fallback = null;
        try {
            fallback = Backends.get().name();
        } catch (RuntimeException e) {
            // reported per backend below
        }
        for (BackendProvider p : Backends.providers()) {
            String reason = p.unavailableReason();
            System.out.printf("%-10s %s%s%n", p.name(), reason == null ? "available" : "unavailable: " + reason,
                    p.name().equals(fallback) ? "  (default)" : "");
            if (reason == null) {
                for (String d : p.devices()) {
                    System.out.println("           " + d);
                }
            }
        }
        return 0;
    }
}
