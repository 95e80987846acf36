package org.tarflow.bench;

import org.tarflow.train.cli.CommandProvider;

/** Registers {@code tarflow bench} with the command line. */
public final class BenchCommandProvider implements CommandProvider {
    @Override
    public Object command() {
        return new BenchCommand();
    }
}
