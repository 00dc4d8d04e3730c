package io.jkad.record;

/**
 * What a {@link RecordStore} holds right now, as returned by {@link RecordStore#counts()}: the
 * numbers its limits compare with.
 *
 * @param records value records, expired or not (compared with {@link StoreConfig#maxRecords()})
 * @param providerKeys keys with at least one provider record, of any provider, expired or not
 *     (compared with {@link StoreConfig#maxProvidedKeys()})
 */
public record StoreCounts(long records, long providerKeys) {
    public StoreCounts {
        if (records < 0) {
            throw new IllegalArgumentException("records must be >= 0: " + records);
        }
        if (providerKeys < 0) {
            throw new IllegalArgumentException("providerKeys must be >= 0: " + providerKeys);
        }
    }
}
