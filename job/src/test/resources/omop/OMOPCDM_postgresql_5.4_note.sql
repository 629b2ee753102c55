-- OMOP CDM v5.4, PostgreSQL: the NOTE and NOTE_NLP tables as OHDSI/CommonDataModel states them
-- (commit f853f6e39c61b4eb8b3e5287fd573a1ced36c0e4), its @cdmDatabaseSchema placeholder resolved to public:
--   inst/ddl/5.4/postgresql/OMOPCDM_postgresql_5.4_ddl.sql, lines 209-241
CREATE TABLE public.note (
			note_id integer NOT NULL,
			person_id integer NOT NULL,
			note_date date NOT NULL,
			note_datetime TIMESTAMP NULL,
			note_type_concept_id integer NOT NULL,
			note_class_concept_id integer NOT NULL,
			note_title varchar(250) NULL,
			note_text TEXT NOT NULL,
			encoding_concept_id integer NOT NULL,
			language_concept_id integer NOT NULL,
			provider_id integer NULL,
			visit_occurrence_id integer NULL,
			visit_detail_id integer NULL,
			note_source_value varchar(50) NULL,
			note_event_id integer NULL,
			note_event_field_concept_id integer NULL );
CREATE TABLE public.note_nlp (
			note_nlp_id integer NOT NULL,
			note_id integer NOT NULL,
			section_concept_id integer NULL,
			snippet varchar(250) NULL,
			"offset" varchar(50) NULL,
			lexical_variant varchar(250) NOT NULL,
			note_nlp_concept_id integer NULL,
			note_nlp_source_concept_id integer NULL,
			nlp_system varchar(250) NULL,
			nlp_date date NOT NULL,
			nlp_datetime TIMESTAMP NULL,
			term_exists varchar(1) NULL,
			term_temporal varchar(50) NULL,
			term_modifiers varchar(2000) NULL );
-- and their primary keys, from inst/ddl/5.4/postgresql/OMOPCDM_postgresql_5.4_primary_keys.sql:
ALTER TABLE public.note  ADD CONSTRAINT xpk_note PRIMARY KEY (note_id);
ALTER TABLE public.note_nlp  ADD CONSTRAINT xpk_note_nlp PRIMARY KEY (note_nlp_id);
