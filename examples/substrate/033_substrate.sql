-- 033_substrate.sql — the iu-core database as it stood after migration 033
-- and before migration 034 (see reference/migration-034-record.md).
--
-- Run once, on an empty PostgreSQL 15 database:
--     psql -v ON_ERROR_STOP=on -f 033_substrate.sql
--
-- What is real (named by the record):
--   * the governed-command catalog  public.dot_iu_command_catalog   (left EMPTY:
--     iucore seeds the 24 baseline rows from examples/definition/iu_core.json)
--   * the run log                   public.dot_iu_command_run      (column command_name)
--   * the config registry           public.iu_core_config          (both gates false)
--   * the event-type registry       public.iu_event_type           (incl. template.instance_auto_composed)
--   * the two orchestrator functions of migration 033:
--       fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) -> jsonb
--       fn_iu_auto_instantiate_rollback_by_actor(text,boolean)                -> jsonb
--
-- Everything marked FIXTURE below is not named by the record; it exists only to
-- reproduce the record's figures (D9 surface 29/30/65/6/13/22/16 = 181, and 24
-- baseline catalog rows over 22 distinct target functions).
--
-- Surface rules (iucore counts exactly these, schema public):
--   table      relkind r/p,  iu\_% or dot\_iu\_%      = 29
--   view       relkind v/m,  v\_iu\_%                 = 30
--   function   prokind f,    fn\_iu\_% (rows)          = 65
--   trigger    not internal, trg\_iu\_%               =  6
--   config / event_type / route registry rows         = 13 / 22 / 16

BEGIN;

SET LOCAL search_path = public;
SET LOCAL check_function_bodies = on;

-- ===========================================================================
-- 1. Tables (29)
-- ===========================================================================

-- 1a. Governance tables (real) ----------------------------------------------

CREATE TABLE public.dot_iu_command_catalog (
    command_name     text    PRIMARY KEY,
    category         text    NOT NULL,
    mutating         boolean NOT NULL,
    reversible       boolean NOT NULL,
    target_functions text[]  NOT NULL CHECK (cardinality(target_functions) > 0)
);
COMMENT ON TABLE public.dot_iu_command_catalog IS
    'Governed DOT commands. Rows are seeded by iucore (baseline 033: 24 rows).';

-- No foreign key to the catalog: the rollback guard of each migration is what
-- keeps a catalog row from being removed while runs reference it.
CREATE TABLE public.dot_iu_command_run (
    id           bigserial PRIMARY KEY,
    command_name text NOT NULL,
    actor        text,
    args         jsonb NOT NULL DEFAULT '{}',
    mode         text,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
    result       jsonb,
    duration_ms  double precision,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX dot_iu_command_run_command_name_idx
    ON public.dot_iu_command_run (command_name);

CREATE TABLE public.iu_core_config (
    config_key   text PRIMARY KEY,
    config_value text,
    value_type   text NOT NULL DEFAULT 'boolean',
    description  text
);

CREATE TABLE public.iu_event_type (
    event_type  text PRIMARY KEY,
    description text
);

CREATE TABLE public.iu_route (
    route_key       text PRIMARY KEY,
    event_type      text NOT NULL REFERENCES public.iu_event_type,
    target_function text NOT NULL
);

-- What fn_iu_auto_instantiate_from_event creates in live mode.
CREATE TABLE public.iu_instance (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_key           text UNIQUE NOT NULL,
    template_collection_id uuid NOT NULL,
    event_id               uuid NOT NULL,
    created_by             text NOT NULL,
    note                   text,
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- 1b. FIXTURE domain tables: plausible iu-core tables that the fixture target
--     functions read. Not named by the record. -------------------------------

CREATE TABLE public.iu_collection (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_key text UNIQUE NOT NULL,
    title          text NOT NULL,
    archived       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.iu_template (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_id uuid NOT NULL REFERENCES public.iu_collection,
    template_key  text NOT NULL,
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'published', 'retired')),
    body          jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, template_key)
);

CREATE TABLE public.iu_event (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type  text NOT NULL REFERENCES public.iu_event_type,
    payload     jsonb NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.iu_instance_audit (
    id           bigserial PRIMARY KEY,
    instance_id  uuid NOT NULL,
    instance_key text NOT NULL,
    action       text NOT NULL CHECK (action IN ('insert', 'delete')),
    actor        text,
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- 1c. FIXTURE filler tables: iu_fixture_table_01 .. iu_fixture_table_19.
--     They exist only so that the table count is the record's 29
--     (6 governance + 4 domain + 19 filler).
DO $fixture_tables$
BEGIN
    FOR i IN 1..19 LOOP
        EXECUTE format(
            'CREATE TABLE public.%I (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, '
            'payload jsonb NOT NULL DEFAULT %L)',
            'iu_fixture_table_' || lpad(i::text, 2, '0'), '{}');
        EXECUTE format('COMMENT ON TABLE public.%I IS %L',
            'iu_fixture_table_' || lpad(i::text, 2, '0'),
            'FIXTURE: exists only to reproduce the record''s D9 table count (29).');
    END LOOP;
END
$fixture_tables$;

-- ===========================================================================
-- 2. Functions (65)
-- ===========================================================================

-- 2a. Migration 033 orchestrators (real) ------------------------------------

CREATE FUNCTION public.fn_iu_auto_instantiate_from_event(
    event_id               uuid,
    event_type             text,
    template_collection_id uuid,
    instance_key_suffix    text,
    emit_mode              text,
    actor                  text,
    note                   text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
#variable_conflict use_variable
DECLARE
    v_composer boolean;
    v_auto     boolean;
    v_key      text;
    v_id       uuid;
BEGIN
    IF emit_mode IS NULL OR emit_mode NOT IN ('dry_run', 'live') THEN
        RAISE EXCEPTION USING
            ERRCODE = '22023',
            MESSAGE = format('fn_iu_auto_instantiate_from_event: emit_mode must be dry_run or live, got "%s"',
                             emit_mode);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM public.iu_event_type et WHERE et.event_type = event_type) THEN
        RAISE EXCEPTION USING
            ERRCODE = '22023',
            MESSAGE = format('fn_iu_auto_instantiate_from_event: unknown event_type "%s"', event_type);
    END IF;

    -- Gates: a missing row (or NULL value) counts as false.
    v_composer := coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                            WHERE c.config_key = 'iu_core.composer_enabled'), false);
    v_auto     := coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                            WHERE c.config_key = 'iu_core.auto_instantiate_enabled'), false);

    IF NOT v_composer THEN
        RAISE EXCEPTION USING
            ERRCODE = 'P0001',
            MESSAGE = format('REFUSED: %s requires %s=true', emit_mode, 'iu_core.composer_enabled');
    END IF;
    IF emit_mode = 'live' AND NOT v_auto THEN
        RAISE EXCEPTION USING
            ERRCODE = 'P0001',
            MESSAGE = format('REFUSED: %s requires %s=true', emit_mode, 'iu_core.auto_instantiate_enabled');
    END IF;

    v_key := template_collection_id::text || ':' || instance_key_suffix;

    IF emit_mode = 'dry_run' THEN
        RETURN jsonb_build_object('mode', 'dry_run', 'would_create', v_key, 'event_id', event_id);
    END IF;

    -- live: idempotent on instance_key
    SELECT i.id INTO v_id FROM public.iu_instance i WHERE i.instance_key = v_key;
    IF FOUND THEN
        RETURN jsonb_build_object('mode', 'live', 'instance_id', v_id, 'instance_key', v_key,
                                  'created', false);
    END IF;

    INSERT INTO public.iu_instance AS i (instance_key, template_collection_id, event_id, created_by, note)
    VALUES (v_key, template_collection_id, event_id, actor, note)
    ON CONFLICT (instance_key) DO NOTHING
    RETURNING i.id INTO v_id;

    IF v_id IS NULL THEN   -- lost a race to a concurrent caller
        SELECT i.id INTO v_id FROM public.iu_instance i WHERE i.instance_key = v_key;
        RETURN jsonb_build_object('mode', 'live', 'instance_id', v_id, 'instance_key', v_key,
                                  'created', false);
    END IF;

    RETURN jsonb_build_object('mode', 'live', 'instance_id', v_id, 'instance_key', v_key,
                              'created', true);
END
$fn$;

CREATE FUNCTION public.fn_iu_auto_instantiate_rollback_by_actor(
    actor   text,
    dry_run boolean DEFAULT true
) RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
#variable_conflict use_variable
DECLARE
    v_mode     text;
    v_composer boolean;
    v_auto     boolean;
    v_n        bigint;
BEGIN
    IF dry_run IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = '22023',
            MESSAGE = 'fn_iu_auto_instantiate_rollback_by_actor: dry_run must be true or false, got NULL';
    END IF;
    v_mode := CASE WHEN dry_run THEN 'dry_run' ELSE 'live' END;

    v_composer := coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                            WHERE c.config_key = 'iu_core.composer_enabled'), false);
    v_auto     := coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                            WHERE c.config_key = 'iu_core.auto_instantiate_enabled'), false);

    IF NOT v_composer THEN
        RAISE EXCEPTION USING
            ERRCODE = 'P0001',
            MESSAGE = format('REFUSED: %s requires %s=true', v_mode, 'iu_core.composer_enabled');
    END IF;
    IF v_mode = 'live' AND NOT v_auto THEN
        RAISE EXCEPTION USING
            ERRCODE = 'P0001',
            MESSAGE = format('REFUSED: %s requires %s=true', v_mode, 'iu_core.auto_instantiate_enabled');
    END IF;

    IF dry_run THEN
        SELECT count(*) INTO v_n FROM public.iu_instance i WHERE i.created_by = actor;
        RETURN jsonb_build_object('dry_run', true, 'would_remove', v_n);
    END IF;

    DELETE FROM public.iu_instance i WHERE i.created_by = actor;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN jsonb_build_object('dry_run', false, 'removed', v_n);
END
$fn$;

-- 2b. Not yet in the catalog: the target of a later "promote" test (real,
--     callable, changes nothing). -------------------------------------------

CREATE FUNCTION public.fn_iu_instance_archive(instance_key text, actor text)
RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT jsonb_build_object('archived', fn_iu_instance_archive.instance_key,
                              'by', fn_iu_instance_archive.actor)
$fn$;

-- 2c. FIXTURE: the 22 baseline target functions of the 24 baseline catalog
--     rows (fn_iu_route_set_enabled and fn_iu_lifecycle_transition are each
--     targeted by two rows). Readers return real data; writers only echo what
--     they were asked to do. Parameters are qualified with the function name
--     so that column names never shadow them. ------------------------------

-- collection
CREATE FUNCTION public.fn_iu_collection_list()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.collection_key), '[]'::jsonb)
    FROM public.iu_collection c
$fn$;

CREATE FUNCTION public.fn_iu_collection_get(collection_id uuid)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(c) FROM public.iu_collection c WHERE c.id = fn_iu_collection_get.collection_id),
        jsonb_build_object('collection_id', fn_iu_collection_get.collection_id, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_collection_create(collection_key text, title text, actor text DEFAULT 'operator')
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('would_create', fn_iu_collection_create.collection_key,
                              'title', fn_iu_collection_create.title,
                              'by', fn_iu_collection_create.actor)
$fn$;

CREATE FUNCTION public.fn_iu_collection_archive(collection_id uuid, actor text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('would_archive', fn_iu_collection_archive.collection_id,
                              'by', fn_iu_collection_archive.actor)
$fn$;

-- template
CREATE FUNCTION public.fn_iu_template_list(include_retired boolean DEFAULT false)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.template_key), '[]'::jsonb)
    FROM public.iu_template t
    WHERE fn_iu_template_list.include_retired OR t.status <> 'retired'
$fn$;

CREATE FUNCTION public.fn_iu_template_get(template_id uuid)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(t) FROM public.iu_template t WHERE t.id = fn_iu_template_get.template_id),
        jsonb_build_object('template_id', fn_iu_template_get.template_id, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_template_publish(template_id uuid, actor text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('would_publish', fn_iu_template_publish.template_id,
                              'by', fn_iu_template_publish.actor)
$fn$;

CREATE FUNCTION public.fn_iu_template_retire(template_id uuid, actor text, reason text DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('would_retire', fn_iu_template_retire.template_id,
                              'by', fn_iu_template_retire.actor,
                              'reason', fn_iu_template_retire.reason)
$fn$;

-- event
CREATE FUNCTION public.fn_iu_event_list(since timestamptz DEFAULT NULL, max_rows integer DEFAULT 50)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.received_at DESC), '[]'::jsonb)
    FROM (SELECT * FROM public.iu_event e
          WHERE fn_iu_event_list.since IS NULL OR e.received_at >= fn_iu_event_list.since
          ORDER BY e.received_at DESC
          LIMIT fn_iu_event_list.max_rows) e
$fn$;

CREATE FUNCTION public.fn_iu_event_get(event_id uuid)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(e) FROM public.iu_event e WHERE e.id = fn_iu_event_get.event_id),
        jsonb_build_object('event_id', fn_iu_event_get.event_id, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_event_replay(event_id uuid, actor text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('would_replay', fn_iu_event_replay.event_id,
                              'by', fn_iu_event_replay.actor)
$fn$;

-- route
CREATE FUNCTION public.fn_iu_route_list()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.route_key), '[]'::jsonb)
    FROM public.iu_route r
$fn$;

CREATE FUNCTION public.fn_iu_route_set_enabled(route_key text, enabled boolean)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('route_key', fn_iu_route_set_enabled.route_key,
                              'would_set_enabled', fn_iu_route_set_enabled.enabled,
                              'known', EXISTS (SELECT 1 FROM public.iu_route r
                                               WHERE r.route_key = fn_iu_route_set_enabled.route_key))
$fn$;

-- config
CREATE FUNCTION public.fn_iu_config_get(config_key text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(c) FROM public.iu_core_config c WHERE c.config_key = fn_iu_config_get.config_key),
        jsonb_build_object('config_key', fn_iu_config_get.config_key, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_config_set(config_key text, config_value text, actor text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('config_key', fn_iu_config_set.config_key,
                              'would_set', fn_iu_config_set.config_value,
                              'by', fn_iu_config_set.actor)
$fn$;

-- lifecycle
CREATE FUNCTION public.fn_iu_lifecycle_status(instance_key text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(i) FROM public.iu_instance i WHERE i.instance_key = fn_iu_lifecycle_status.instance_key),
        jsonb_build_object('instance_key', fn_iu_lifecycle_status.instance_key, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_lifecycle_transition(instance_key text, direction text, actor text)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('instance_key', fn_iu_lifecycle_transition.instance_key,
                              'would_transition', fn_iu_lifecycle_transition.direction,
                              'by', fn_iu_lifecycle_transition.actor)
$fn$;

CREATE FUNCTION public.fn_iu_lifecycle_purge(older_than_days integer, dry_run boolean DEFAULT true)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('dry_run', fn_iu_lifecycle_purge.dry_run,
                              'older_than_days', fn_iu_lifecycle_purge.older_than_days,
                              'would_purge', count(*))
    FROM public.iu_instance i
    WHERE i.created_at < now() - make_interval(days => fn_iu_lifecycle_purge.older_than_days)
$fn$;

-- inspect
CREATE FUNCTION public.fn_iu_inspect_surface()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object(
        'table', (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                    AND (c.relname LIKE 'iu\_%' OR c.relname LIKE 'dot\_iu\_%')),
        'view', (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND c.relname LIKE 'v\_iu\_%'),
        'function', (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.proname LIKE 'fn\_iu\_%'),
        'trigger', (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgname LIKE 'trg\_iu\_%'),
        'config', (SELECT count(*) FROM public.iu_core_config),
        'event_type', (SELECT count(*) FROM public.iu_event_type),
        'route', (SELECT count(*) FROM public.iu_route))
$fn$;

CREATE FUNCTION public.fn_iu_inspect_command_runs(since_id bigint DEFAULT 0, max_rows integer DEFAULT 100)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), '[]'::jsonb)
    FROM (SELECT * FROM public.dot_iu_command_run r
          WHERE r.id > fn_iu_inspect_command_runs.since_id
          ORDER BY r.id
          LIMIT fn_iu_inspect_command_runs.max_rows) r
$fn$;

CREATE FUNCTION public.fn_iu_inspect_instance(instance_id uuid)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(
        (SELECT to_jsonb(i) FROM public.iu_instance i WHERE i.id = fn_iu_inspect_instance.instance_id),
        jsonb_build_object('instance_id', fn_iu_inspect_instance.instance_id, 'found', false))
$fn$;

CREATE FUNCTION public.fn_iu_inspect_thresholds(threshold numeric, payload jsonb DEFAULT '{}'::jsonb)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object(
        'threshold', fn_iu_inspect_thresholds.threshold,
        'payload', fn_iu_inspect_thresholds.payload,
        'runs_over_threshold_ms',
            (SELECT count(*) FROM public.dot_iu_command_run r
             WHERE r.duration_ms > fn_iu_inspect_thresholds.threshold))
$fn$;

-- 2d. FIXTURE: functions of the 8 ungoverned registry commands (callable
--     from the host registry, never rows of the catalog). -------------------

CREATE FUNCTION public.fn_iu_help()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('help', 'iu-core DOT commands; governed ones are rows of public.dot_iu_command_catalog',
                              'governed', (SELECT count(*) FROM public.dot_iu_command_catalog))
$fn$;

CREATE FUNCTION public.fn_iu_version()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('surface_version',
        (SELECT c.config_value FROM public.iu_core_config c WHERE c.config_key = 'iu_core.surface_version'))
$fn$;

CREATE FUNCTION public.fn_iu_ping()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('pong', true, 'at', now())
$fn$;

CREATE FUNCTION public.fn_iu_event_type_list()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(et) ORDER BY et.event_type), '[]'::jsonb)
    FROM public.iu_event_type et
$fn$;

CREATE FUNCTION public.fn_iu_config_list()
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.config_key), '[]'::jsonb)
    FROM public.iu_core_config c
$fn$;

CREATE FUNCTION public.fn_iu_instance_list(template_collection_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(i) ORDER BY i.created_at, i.instance_key), '[]'::jsonb)
    FROM public.iu_instance i
    WHERE fn_iu_instance_list.template_collection_id IS NULL
       OR i.template_collection_id = fn_iu_instance_list.template_collection_id
$fn$;

CREATE FUNCTION public.fn_iu_command_run_tail(max_rows integer DEFAULT 20)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id DESC), '[]'::jsonb)
    FROM (SELECT * FROM public.dot_iu_command_run r
          ORDER BY r.id DESC LIMIT fn_iu_command_run_tail.max_rows) r
$fn$;

CREATE FUNCTION public.fn_iu_surface_diff(expected jsonb)
RETURNS jsonb LANGUAGE sql AS $fn$
    SELECT jsonb_build_object('expected', fn_iu_surface_diff.expected,
                              'actual', public.fn_iu_inspect_surface(),
                              'equal', public.fn_iu_inspect_surface() @> fn_iu_surface_diff.expected
                                   AND fn_iu_surface_diff.expected @> public.fn_iu_inspect_surface())
$fn$;

-- 2e. FIXTURE: trigger functions of the 6 triggers (5 functions;
--     fn_iu_trg_touch_updated_at serves two triggers). -----------------------

CREATE FUNCTION public.fn_iu_trg_touch_updated_at()
RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$fn$;

CREATE FUNCTION public.fn_iu_trg_template_status_guard()
RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF OLD.status = 'retired' AND NEW.status <> 'retired' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('iu_template %s is retired and cannot become %s', OLD.id, NEW.status);
    END IF;
    RETURN NEW;
END
$fn$;

CREATE FUNCTION public.fn_iu_trg_config_validate()
RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF NEW.value_type NOT IN ('boolean', 'integer', 'text') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('iu_core_config %s: unknown value_type "%s"', NEW.config_key, NEW.value_type);
    END IF;
    IF NEW.config_value IS NOT NULL THEN
        IF NEW.value_type = 'boolean' THEN
            PERFORM NEW.config_value::boolean;
        ELSIF NEW.value_type = 'integer' THEN
            PERFORM NEW.config_value::integer;
        END IF;
    END IF;
    RETURN NEW;
END
$fn$;

CREATE FUNCTION public.fn_iu_trg_route_check_target()
RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF to_regproc('public.' || quote_ident(NEW.target_function)) IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42883',
            MESSAGE = format('iu_route %s: target function public.%s does not exist',
                             NEW.route_key, NEW.target_function);
    END IF;
    RETURN NEW;
END
$fn$;

CREATE FUNCTION public.fn_iu_trg_instance_audit()
RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.iu_instance_audit (instance_id, instance_key, action, actor)
        VALUES (NEW.id, NEW.instance_key, 'insert', NEW.created_by);
        RETURN NEW;
    END IF;
    INSERT INTO public.iu_instance_audit (instance_id, instance_key, action, actor)
    VALUES (OLD.id, OLD.instance_key, 'delete', OLD.created_by);
    RETURN OLD;
END
$fn$;

-- 2f. FIXTURE filler functions: fn_iu_fixture_fn_01 .. fn_iu_fixture_fn_27.
--     They exist only so that the function count is the record's 65
--     (2 orchestrators + 1 archive + 22 baseline targets + 8 ungoverned
--      + 5 trigger functions + 27 filler). No overloads anywhere.
DO $fixture_functions$
BEGIN
    FOR i IN 1..27 LOOP
        EXECUTE format(
            'CREATE FUNCTION public.%I() RETURNS jsonb LANGUAGE sql AS %L',
            'fn_iu_fixture_fn_' || lpad(i::text, 2, '0'),
            format('SELECT jsonb_build_object(%L, %s)', 'fixture', i));
        EXECUTE format('COMMENT ON FUNCTION public.%I() IS %L',
            'fn_iu_fixture_fn_' || lpad(i::text, 2, '0'),
            'FIXTURE: exists only to reproduce the record''s D9 function count (65).');
    END LOOP;
END
$fixture_functions$;

-- ===========================================================================
-- 3. Triggers (6) — FIXTURE: the record names none of them.
-- ===========================================================================

CREATE TRIGGER trg_iu_collection_touch
    BEFORE UPDATE ON public.iu_collection
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_touch_updated_at();

CREATE TRIGGER trg_iu_template_touch
    BEFORE UPDATE ON public.iu_template
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_touch_updated_at();

CREATE TRIGGER trg_iu_template_status_guard
    BEFORE UPDATE OF status ON public.iu_template
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_template_status_guard();

CREATE TRIGGER trg_iu_core_config_validate
    BEFORE INSERT OR UPDATE ON public.iu_core_config
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_config_validate();

CREATE TRIGGER trg_iu_route_check_target
    BEFORE INSERT OR UPDATE ON public.iu_route
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_route_check_target();

CREATE TRIGGER trg_iu_instance_audit
    AFTER INSERT OR DELETE ON public.iu_instance
    FOR EACH ROW EXECUTE FUNCTION public.fn_iu_trg_instance_audit();

-- ===========================================================================
-- 4. Views (30)
-- ===========================================================================

-- 4a. FIXTURE operator views over the real tables. -------------------------

CREATE VIEW public.v_iu_command_catalog AS
    SELECT c.command_name, c.category, c.mutating, c.reversible, c.target_functions,
           cardinality(c.target_functions) AS n_targets
    FROM public.dot_iu_command_catalog c;

CREATE VIEW public.v_iu_command_run_recent AS
    SELECT r.id, r.command_name, r.actor, r.mode, r.outcome, r.duration_ms, r.created_at
    FROM public.dot_iu_command_run r
    WHERE r.created_at > now() - interval '7 days';

CREATE VIEW public.v_iu_core_config AS
    SELECT c.config_key, c.config_value, c.value_type,
           CASE WHEN c.value_type = 'boolean' THEN c.config_value::boolean END AS enabled,
           c.description
    FROM public.iu_core_config c;

CREATE VIEW public.v_iu_gate_status AS
    SELECT coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                     WHERE c.config_key = 'iu_core.composer_enabled'), false) AS dry_run_open,
           coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                     WHERE c.config_key = 'iu_core.composer_enabled'), false)
       AND coalesce((SELECT c.config_value::boolean FROM public.iu_core_config c
                     WHERE c.config_key = 'iu_core.auto_instantiate_enabled'), false) AS live_open;

CREATE VIEW public.v_iu_instance AS
    SELECT i.id, i.instance_key, i.template_collection_id, i.event_id, i.created_by, i.note, i.created_at
    FROM public.iu_instance i;

CREATE VIEW public.v_iu_route_map AS
    SELECT r.route_key, r.event_type, et.description AS event_description, r.target_function
    FROM public.iu_route r
    JOIN public.iu_event_type et ON et.event_type = r.event_type;

-- 4b. FIXTURE filler views: v_iu_fixture_view_01 .. v_iu_fixture_view_24.
--     They exist only so that the view count is the record's 30
--     (6 operator views + 24 filler).
DO $fixture_views$
BEGIN
    FOR i IN 1..24 LOOP
        EXECUTE format('CREATE VIEW public.%I AS SELECT f.id, f.payload FROM public.%I f',
            'v_iu_fixture_view_' || lpad(i::text, 2, '0'),
            'iu_fixture_table_' || lpad((((i - 1) % 19) + 1)::text, 2, '0'));
        EXECUTE format('COMMENT ON VIEW public.%I IS %L',
            'v_iu_fixture_view_' || lpad(i::text, 2, '0'),
            'FIXTURE: exists only to reproduce the record''s D9 view count (30).');
    END LOOP;
END
$fixture_views$;

-- ===========================================================================
-- 5. Registry rows
-- ===========================================================================

-- 5a. Configs (13). The two gates are real and false, as the record says;
--     the other 11 are FIXTURE. Must match "configs" in iu_core.json.
INSERT INTO public.iu_core_config (config_key, config_value, value_type, description) VALUES
    ('iu_core.composer_enabled',           'false',    'boolean', 'Gate (033): dry-run and live auto-instantiation require it'),
    ('iu_core.auto_instantiate_enabled',   'false',    'boolean', 'Gate (033): live auto-instantiation requires it (with composer_enabled)'),
    -- FIXTURE configs below
    ('iu_core.route_dispatch_enabled',     'true',     'boolean', 'FIXTURE: dispatch events along iu_route'),
    ('iu_core.event_log_enabled',          'true',     'boolean', 'FIXTURE: record received events in iu_event'),
    ('iu_core.lifecycle_strict',           'true',     'boolean', 'FIXTURE: refuse out-of-order lifecycle transitions'),
    ('iu_core.template_publish_enabled',   'true',     'boolean', 'FIXTURE: allow publishing templates'),
    ('iu_core.collection_archive_enabled', 'true',     'boolean', 'FIXTURE: allow archiving collections'),
    ('iu_core.instance_audit_enabled',     'true',     'boolean', 'FIXTURE: audit iu_instance inserts and deletes'),
    ('iu_core.dot_run_logging_enabled',    'true',     'boolean', 'FIXTURE: log governed DOT runs in dot_iu_command_run'),
    ('iu_core.retention_days',             '90',       'integer', 'FIXTURE: days to keep command runs'),
    ('iu_core.max_instances_per_event',    '1',        'integer', 'FIXTURE: instances one event may create'),
    ('iu_core.default_actor',              'operator', 'text',    'FIXTURE: actor recorded when none is given'),
    ('iu_core.surface_version',            '033',      'text',    'FIXTURE: last migration that changed the D9 surface');

-- 5b. Event types (22). template.instance_auto_composed is named by the
--     record; the other 21 are FIXTURE.
INSERT INTO public.iu_event_type (event_type, description) VALUES
    ('template.instance_auto_composed', 'A composer produced an instance for a template collection (033)'),
    -- FIXTURE event types below
    ('collection.created',          'FIXTURE: a collection was created'),
    ('collection.updated',          'FIXTURE: a collection was updated'),
    ('collection.archived',         'FIXTURE: a collection was archived'),
    ('template.created',            'FIXTURE: a template was created'),
    ('template.updated',            'FIXTURE: a template was updated'),
    ('template.published',          'FIXTURE: a template was published'),
    ('template.retired',            'FIXTURE: a template was retired'),
    ('template.instance_created',   'FIXTURE: an instance was created by hand'),
    ('template.instance_archived',  'FIXTURE: an instance was archived'),
    ('event.received',              'FIXTURE: an external event was received'),
    ('event.replayed',              'FIXTURE: an event was replayed'),
    ('route.enabled',               'FIXTURE: a route was enabled'),
    ('route.disabled',              'FIXTURE: a route was disabled'),
    ('config.changed',              'FIXTURE: a config value changed'),
    ('lifecycle.advanced',          'FIXTURE: an instance advanced a lifecycle stage'),
    ('lifecycle.reverted',          'FIXTURE: an instance reverted a lifecycle stage'),
    ('lifecycle.purged',            'FIXTURE: old instances were purged'),
    ('instance.created',            'FIXTURE: an iu_instance row was inserted'),
    ('instance.removed',            'FIXTURE: an iu_instance row was deleted'),
    ('dot.command_run',             'FIXTURE: a governed DOT command ran'),
    ('dot.command_refused',         'FIXTURE: a governed DOT command was refused');

-- 5c. Routes (16) — FIXTURE. Each target is an existing function (checked by
--     trg_iu_route_check_target).
INSERT INTO public.iu_route (route_key, event_type, target_function) VALUES
    ('route.template_instance_auto_composed', 'template.instance_auto_composed', 'fn_iu_auto_instantiate_from_event'),
    ('route.collection_created',   'collection.created',   'fn_iu_collection_get'),
    ('route.collection_updated',   'collection.updated',   'fn_iu_collection_get'),
    ('route.collection_archived',  'collection.archived',  'fn_iu_collection_archive'),
    ('route.template_created',     'template.created',     'fn_iu_template_get'),
    ('route.template_updated',     'template.updated',     'fn_iu_template_get'),
    ('route.template_published',   'template.published',   'fn_iu_template_publish'),
    ('route.template_retired',     'template.retired',     'fn_iu_template_retire'),
    ('route.event_received',       'event.received',       'fn_iu_event_get'),
    ('route.event_replayed',       'event.replayed',       'fn_iu_event_replay'),
    ('route.config_changed',       'config.changed',       'fn_iu_config_get'),
    ('route.lifecycle_advanced',   'lifecycle.advanced',   'fn_iu_lifecycle_status'),
    ('route.lifecycle_reverted',   'lifecycle.reverted',   'fn_iu_lifecycle_status'),
    ('route.instance_created',     'instance.created',     'fn_iu_inspect_instance'),
    ('route.instance_removed',     'instance.removed',     'fn_iu_lifecycle_status'),
    ('route.dot_command_refused',  'dot.command_refused',  'fn_iu_inspect_command_runs');

-- The catalog is deliberately left empty: iucore seeds the 24 baseline rows
-- from the definition (baseline "033").

COMMIT;
