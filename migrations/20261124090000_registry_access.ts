import { sql, type Kysely } from 'kysely';

/*
 * Registry history, identity imports, API-key roles and the audit log (issue 4).
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 *
 * Hospital history. `hospitals` keeps the code and the current values; every designated
 * period with its level, region and name is a row of `hospital_periods`. A hospital is
 * designated on a date when a period covers it, and a settlement takes the level of
 * that period. A change closes the open period the day before it takes effect and opens
 * a new one, so the level a past discharge was settled at stays readable. A trigger
 * opens the first period when a hospital is inserted (including the demo and test
 * fixtures that insert hospitals directly).
 *
 * Windows are only ever closed. On hospital periods and identities the one update
 * allowed is moving `valid_to` earlier (never before `valid_from`), which is how a
 * correction closes the old window before a new row opens the next one; rows are never
 * deleted. Overlapping windows are refused by exclusion constraints (btree_gist, a
 * trusted contrib extension shipped with PostgreSQL).
 *
 * The audit log is append-only (UPDATE, DELETE and TRUNCATE refused): one row per write,
 * written in the transaction of the write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS btree_gist;

    CREATE TABLE hospital_periods (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      hospital_id uuid NOT NULL REFERENCES hospitals (id),
      name text NOT NULL,
      level smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
      region_code text NOT NULL,
      valid_from date NOT NULL,
      valid_to date CHECK (valid_to IS NULL OR valid_to >= valid_from),
      created_at timestamptz NOT NULL DEFAULT now(),
      EXCLUDE USING gist (hospital_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
    );
    INSERT INTO hospital_periods (hospital_id, name, level, region_code, valid_from, valid_to)
      SELECT id, name, level, region_code, designated_from, designated_to FROM hospitals;

    CREATE FUNCTION hospital_first_period() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO hospital_periods (hospital_id, name, level, region_code, valid_from, valid_to)
        VALUES (NEW.id, NEW.name, NEW.level, NEW.region_code, NEW.designated_from, NEW.designated_to);
      RETURN NULL;
    END $$;
    CREATE TRIGGER hospital_first_period AFTER INSERT ON hospitals
      FOR EACH ROW EXECUTE FUNCTION hospital_first_period();

    ALTER TABLE identities ADD COLUMN closed_batch text;
    ALTER TABLE identities ADD CONSTRAINT identities_no_overlap
      EXCLUDE USING gist (person_id WITH =, category WITH =, daterange(valid_from, valid_to, '[]') WITH &&);
    CREATE INDEX persons_id_card_idx ON persons (upper(id_card));

    -- Only valid_to may change, and only to an earlier date (or from open to a date).
    CREATE FUNCTION window_close_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are never deleted; close the window instead', TG_TABLE_NAME
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF NEW.valid_to IS NULL OR (OLD.valid_to IS NOT NULL AND NEW.valid_to > OLD.valid_to)
         OR (to_jsonb(NEW) - 'valid_to' - 'closed_batch') <> (to_jsonb(OLD) - 'valid_to' - 'closed_batch') THEN
        RAISE EXCEPTION 'a % window may only be closed earlier, never reopened or rewritten', TG_TABLE_NAME
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER identities_close_only BEFORE UPDATE OR DELETE ON identities
      FOR EACH ROW EXECUTE FUNCTION window_close_only();
    CREATE TRIGGER hospital_periods_close_only BEFORE UPDATE OR DELETE ON hospital_periods
      FOR EACH ROW EXECUTE FUNCTION window_close_only();

    -- An identity import is stored once it commits: the same batch id answers its report.
    CREATE TABLE identity_imports (
      batch_id text PRIMARY KEY CHECK (length(batch_id) BETWEEN 1 AND 100),
      source text NOT NULL,
      content_hash text NOT NULL,
      report jsonb NOT NULL,
      key_id uuid REFERENCES api_keys (id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TRIGGER identity_imports_append_only BEFORE UPDATE OR DELETE ON identity_imports
      FOR EACH ROW EXECUTE FUNCTION append_only();

    -- Keys: a short prefix to recognise a key in lists; hospital and cashier keys name their hospital.
    ALTER TABLE api_keys ADD COLUMN key_prefix text NOT NULL DEFAULT '';
    ALTER TABLE api_keys ADD CONSTRAINT api_keys_hospital_scope
      CHECK ((role IN ('hospital', 'cashier')) = (hospital_id IS NOT NULL)) NOT VALID;
    CREATE FUNCTION api_keys_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
         OR (to_jsonb(NEW) - 'revoked_at') <> (to_jsonb(OLD) - 'revoked_at') THEN
        RAISE EXCEPTION 'API keys are only ever revoked, once' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER api_keys_revoke_only BEFORE UPDATE OR DELETE ON api_keys
      FOR EACH ROW EXECUTE FUNCTION api_keys_revoke_only();

    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      key_id uuid REFERENCES api_keys (id),
      actor text NOT NULL,
      action text NOT NULL,
      target_type text NOT NULL,
      target_id text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at);
    CREATE INDEX audit_log_key_idx ON audit_log (key_id, at);
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION append_only();
  `.execute(db);
}
