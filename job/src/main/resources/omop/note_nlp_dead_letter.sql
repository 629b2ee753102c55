-- The dead letters of a Tandem job writing OMOP NOTE_NLP over JDBC: the fields of its JSON Lines
-- dead letters, one row per note that did not reach NOTE_NLP. Not part of the OMOP CDM.
CREATE TABLE note_nlp_dead_letter (
    dead_letter_id integer NOT NULL PRIMARY KEY,
    note_id bigint NULL,
    seq bigint NOT NULL,
    source varchar(2000) NOT NULL,
    stage varchar(50) NOT NULL,
    reason text NOT NULL,
    error varchar(250) NOT NULL,
    raw text NOT NULL,
    raw_bytes integer NOT NULL,
    raw_truncated boolean NOT NULL,
    meta text NULL,
    model varchar(250) NULL,
    batch bigint NULL,
    device integer NULL,
    nlp_system varchar(250) NOT NULL,
    nlp_datetime timestamp NOT NULL
);
