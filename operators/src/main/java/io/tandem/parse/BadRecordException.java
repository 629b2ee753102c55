package io.tandem.parse;

/** An input record that cannot become a document; its message is the dead-letter reason. */
public final class BadRecordException extends Exception {
    public BadRecordException(String reason) {
        super(reason);
    }
}
