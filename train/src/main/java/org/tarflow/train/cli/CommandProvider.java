package org.tarflow.train.cli;

/**
 * Adds a subcommand to {@code tarflow} from another module (found with {@link java.util.ServiceLoader}), so that
 * modules this one cannot depend on (the benchmarks, a GPU backend) can still offer commands.
 */
public interface CommandProvider {
    /** A picocli command object (annotated with {@code @Command}). */
    Object command();
}
