package io.tandem.serialization;

/**
 * The one migration policy of Tandem's wire formats, for plain and composite snapshots alike: the
 * same version is compatible as is, an older one after migration (Flink reads it with the old
 * reader and writes it anew), a newer one not at all.
 */
public enum FormatCompatibility {
    AS_IS,
    AFTER_MIGRATION,
    INCOMPATIBLE;

    public static FormatCompatibility of(int oldVersion, int currentVersion) {
        if (oldVersion == currentVersion) {
            return AS_IS;
        }
        return oldVersion < currentVersion ? AFTER_MIGRATION : INCOMPATIBLE;
    }
}
