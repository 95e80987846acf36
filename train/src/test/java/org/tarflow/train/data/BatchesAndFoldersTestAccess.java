package org.tarflow.train.data;

/** Lets tests in other packages build the synthetic data set. */
public final class BatchesAndFoldersTestAccess {
    private BatchesAndFoldersTestAccess() {
    }

    public static ImageDataset synthetic(int n, int size, long seed) {
        return BatchesAndFoldersTest.synthetic(n, size, seed);
    }
}
