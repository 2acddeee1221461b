import { sql, type Kysely } from 'kysely';

/*
 * Initial schema: reference data (hospitals, persons, identities, policy versions), API keys, the
 * per-person annual ledger, settlements with their fund lines and input snapshots, and
 * idempotency records.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 *
 * Reversals. A reversal (结算撤销) is its own settlements row (kind = 'reversal') with
 * equal and opposite amounts and `reverses_id` pointing at the original, so summing any
 * money column over the table gives the net position (what reconciliation 3201/3202
 * needs) and no amount is ever updated or deleted. The one thing written back onto the
 * original is the link `reversed_by_id`, set once from NULL: "one active settlement per
 * (hospital, visit)" must be a partial unique index, and an index can only see its own
 * row. A trigger refuses every other UPDATE and every DELETE on settlements and fund
 * lines, so the original's amounts stay as they were committed.
 *
 * Signs. Settlement rows hold non-negative amounts, reversal rows non-positive ones;
 * the CHECKs below say so per kind.
 *
 * Ledgers are jsonb (the domain's LedgerWire: decimal strings): the accumulator set is
 * owned by the domain and grows with policy layers (extra layers are keyed by pack id),
 * so it is versioned with the engine rather than with this schema. Every settlement
 * stores the ledger before and after in its snapshot, which is what replay and reversal
 * read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE hospitals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
      name text NOT NULL,
      level smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
      region_code text NOT NULL,
      designated_from date NOT NULL,
      designated_to date CHECK (designated_to IS NULL OR designated_to >= designated_from),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE persons (
      id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
      name text NOT NULL,
      id_card text NOT NULL,
      insured_region text NOT NULL,
      scheme text NOT NULL CHECK (scheme IN ('urban_rural_resident', 'employee')),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE identities (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      person_id text NOT NULL REFERENCES persons (id),
      category text NOT NULL,
      valid_from date NOT NULL,
      valid_to date CHECK (valid_to IS NULL OR valid_to >= valid_from),
      source text NOT NULL DEFAULT 'unknown',
      batch text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX identities_person_idx ON identities (person_id);

    CREATE TABLE policy_versions (
      id text PRIMARY KEY,
      region_code text NOT NULL,
      version text NOT NULL,
      effective_from date NOT NULL,
      effective_to date CHECK (effective_to IS NULL OR effective_to >= effective_from),
      pack jsonb NOT NULL,
      content_hash text NOT NULL,
      origin text NOT NULL,
      loaded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (region_code, version)
    );

    -- API keys (issue 4 adds roles' enforcement, hospital scoping and the keys CLI): only
    -- a SHA-256 of the key is stored; the key itself is shown once.
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key_hash text NOT NULL UNIQUE,
      label text NOT NULL,
      role text NOT NULL CHECK (role IN ('hospital', 'cashier', 'ops', 'admin')),
      hospital_id uuid REFERENCES hospitals (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE person_ledgers (
      person_id text NOT NULL REFERENCES persons (id),
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
      data jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (person_id, year)
    );
  `.execute(db);

  await sql`
    CREATE TABLE settlements (
      id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('settlement', 'reversal')),
      reverses_id uuid UNIQUE REFERENCES settlements (id),
      reversed_by_id uuid UNIQUE REFERENCES settlements (id) DEFERRABLE INITIALLY DEFERRED,
      hospital_id uuid NOT NULL REFERENCES hospitals (id),
      person_id text NOT NULL REFERENCES persons (id),
      visit_no text NOT NULL,
      visit_type text NOT NULL,
      admission_date date NOT NULL,
      discharge_date date NOT NULL,
      settlement_date date NOT NULL,
      deciding_date date NOT NULL,
      policy_year integer NOT NULL,
      policy_version_id text NOT NULL REFERENCES policy_versions (id),
      identity_used text,
      idempotency_key text,
      reason text,
      amount_total numeric(14, 2) NOT NULL,
      amount_fully_self_paid numeric(14, 2) NOT NULL,
      amount_over_limit numeric(14, 2) NOT NULL,
      amount_pre_self_pay numeric(14, 2) NOT NULL,
      amount_in_scope numeric(14, 2) NOT NULL,
      amount_fund_total numeric(14, 2) NOT NULL,
      amount_patient numeric(14, 2) NOT NULL,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CHECK ((kind = 'settlement') = (reverses_id IS NULL)),
      CHECK (kind = 'settlement' OR reversed_by_id IS NULL),
      CHECK (kind = 'settlement' OR reason IS NOT NULL),
      CHECK (CASE kind
        WHEN 'settlement' THEN LEAST(amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay,
                                     amount_in_scope, amount_fund_total, amount_patient) >= 0
        ELSE GREATEST(amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay,
                      amount_in_scope, amount_fund_total, amount_patient) <= 0 END),
      CHECK (amount_total = amount_fund_total + amount_patient),
      CHECK (amount_total = amount_fully_self_paid + amount_over_limit + amount_pre_self_pay + amount_in_scope)
    );
    -- One active (not reversed) settlement per visit of a hospital.
    CREATE UNIQUE INDEX settlements_one_active_visit ON settlements (hospital_id, visit_no)
      WHERE kind = 'settlement' AND reversed_by_id IS NULL;
    -- List queries page by (created_at, id) descending, filtered by hospital or person.
    CREATE INDEX settlements_hospital_list_idx ON settlements (hospital_id, created_at DESC, id DESC);
    CREATE INDEX settlements_person_list_idx ON settlements (person_id, created_at DESC, id DESC);
    CREATE INDEX settlements_list_idx ON settlements (created_at DESC, id DESC);

    CREATE TABLE settlement_fund_lines (
      settlement_id uuid NOT NULL REFERENCES settlements (id),
      seq smallint NOT NULL CHECK (seq >= 0),
      reversal boolean NOT NULL,
      layer text NOT NULL,
      fund_code text NOT NULL,
      national_field text NOT NULL,
      amount_base numeric(14, 2) NOT NULL,
      amount_paid numeric(14, 2) NOT NULL,
      PRIMARY KEY (settlement_id, seq),
      CHECK (CASE WHEN reversal THEN GREATEST(amount_base, amount_paid) <= 0
                  ELSE LEAST(amount_base, amount_paid) >= 0 END)
    );

    -- Everything the engine saw, so replay can recompute the settlement exactly.
    CREATE TABLE settlement_inputs (
      settlement_id uuid PRIMARY KEY REFERENCES settlements (id),
      bill jsonb NOT NULL,
      person jsonb NOT NULL,
      ledger_before jsonb NOT NULL,
      ledger_after jsonb NOT NULL,
      policy_version_id text NOT NULL REFERENCES policy_versions (id),
      settlement_date date NOT NULL
    );

    CREATE TABLE idempotency_keys (
      key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
      request_hash text NOT NULL,
      request jsonb NOT NULL,
      settlement_id uuid NOT NULL UNIQUE REFERENCES settlements (id) DEFERRABLE INITIALLY DEFERRED,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);

  await sql`
    -- Settlements and fund lines are append-only; the only update allowed is setting the
    -- reversal link once.
    CREATE FUNCTION settlements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'settlements are append-only' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF OLD.reversed_by_id IS NOT NULL OR NEW.reversed_by_id IS NULL
         OR (to_jsonb(NEW) - 'reversed_by_id') <> (to_jsonb(OLD) - 'reversed_by_id') THEN
        RAISE EXCEPTION 'only the reversal link of a settlement may be set, once'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER settlements_immutable BEFORE UPDATE OR DELETE ON settlements
      FOR EACH ROW EXECUTE FUNCTION settlements_immutable();

    CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER fund_lines_append_only BEFORE UPDATE OR DELETE ON settlement_fund_lines
      FOR EACH ROW EXECUTE FUNCTION append_only();
    CREATE TRIGGER inputs_append_only BEFORE UPDATE OR DELETE ON settlement_inputs
      FOR EACH ROW EXECUTE FUNCTION append_only();

    -- At commit: a settlement's fund lines sum to its fund total and carry its sign.
    CREATE FUNCTION check_fund_lines(sid uuid) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE s record; total numeric; bad integer;
    BEGIN
      SELECT kind, amount_fund_total INTO s FROM settlements WHERE id = sid;
      SELECT coalesce(sum(amount_paid), 0), count(*) FILTER (WHERE reversal <> (s.kind = 'reversal'))
        INTO total, bad FROM settlement_fund_lines WHERE settlement_id = sid;
      IF total <> s.amount_fund_total OR bad > 0 THEN
        RAISE EXCEPTION 'fund lines of settlement % sum to %, fund total is %', sid, total, s.amount_fund_total
          USING ERRCODE = 'check_violation';
      END IF;
    END $$;
    CREATE FUNCTION settlements_fund_total_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM check_fund_lines(NEW.id); RETURN NULL; END $$;
    CREATE FUNCTION fund_lines_total_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM check_fund_lines(NEW.settlement_id); RETURN NULL; END $$;
    CREATE CONSTRAINT TRIGGER settlements_fund_total AFTER INSERT ON settlements
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION settlements_fund_total_check();
    CREATE CONSTRAINT TRIGGER fund_lines_total AFTER INSERT ON settlement_fund_lines
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fund_lines_total_check();
  `.execute(db);
}
