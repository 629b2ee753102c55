package io.tandem.source;

import java.util.List;
import java.util.Set;

/**
 * The enumerator's checkpoint: splits not yet handed out, the files already cut into splits, the
 * sequence number the next file starts at, and whether the bounded listing has been done.
 */
public record FileEnumeratorState(
        List<FileSplit> unassigned, Set<String> seen, long nextSeq, boolean listed) {

    static final FileEnumeratorState INITIAL =
            new FileEnumeratorState(List.of(), Set.of(), 0, false);
}
