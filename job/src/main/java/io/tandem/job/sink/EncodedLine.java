package io.tandem.job.sink;

/**
 * A result as the file sink keeps it between arrival and writing: already encoded, so the ordering
 * buffer and its checkpointed state hold one string per waiting result: its lines,
 * newline-separated (an OMOP note has one per entity, none without entities).
 */
record EncodedLine(long seq, boolean deadLetter, String key, String json) {}
