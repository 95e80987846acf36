package org.tarflow.train.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.tarflow.train.data.Datasets;
import org.tarflow.train.data.ImageDataset;
import picocli.CommandLine.Option;

/** Where data sets are found and how folders of images are sized. */
public final class DataOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Cache of downloaded data sets (default: $TARFLOW_DATA or ~/.cache/tarflow/datasets).")
    Path cache;

    @Option(names = "--image-size", defaultValue = "32", paramLabel = "PX",
            description = "Side of the square images a folder data set is resized to (default: ${DEFAULT-VALUE}).")
    int imageSize;

    ImageDataset load(String name, String split) throws IOException {
        return Datasets.load(name, split, cache == null ? Datasets.defaultCache() : cache, imageSize,
                msg -> System.err.println(msg));
    }
}
