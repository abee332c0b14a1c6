-- examples/adopted/desk.sql: a second database, written without iucore in mind.
--
-- A support desk's operator commands, in schema desk. Everything is named differently from the
-- first example (examples/substrate): the catalog's columns (name, area, changes_data, can_undo,
-- calls), extra catalog columns (entry_id, notes, added_at), a run log without args, mode,
-- outcome or result columns (log_id, name, who, ran_at, took_ms), no config table, commands
-- named desk_*, and one target function outside the catalog's schema. iucore adopts it with `iucore init` (README, "Adopting an existing database";
-- the test tests/integration/adopt_desk.sh does every step). Runs under
-- psql -v ON_ERROR_STOP=on -f.

BEGIN;

CREATE SCHEMA desk;

CREATE TABLE desk.ticket (
    ticket_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_note text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desk.ticket_event (
    event_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id integer NOT NULL REFERENCES desk.ticket,
    what      text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);

-- The operator catalog: one row per command the desk's console offers.
CREATE TABLE desk.operator_command (
    entry_id     serial,
    name         text PRIMARY KEY,
    area         text NOT NULL,
    changes_data boolean NOT NULL DEFAULT false,
    can_undo     boolean NOT NULL DEFAULT false,
    calls        text[] NOT NULL,
    notes        text,
    added_at     timestamptz NOT NULL DEFAULT now()
);

-- What the console ran: who ran which command when, and for how long.
CREATE TABLE desk.operator_log (
    log_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    text NOT NULL,
    who     text,
    ran_at  timestamptz DEFAULT now(),
    took_ms integer
);

CREATE FUNCTION desk.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER ticket_touch BEFORE UPDATE ON desk.ticket
    FOR EACH ROW EXECUTE FUNCTION desk.touch();

CREATE VIEW desk.open_tickets AS
    SELECT ticket_id, subject, updated_at FROM desk.ticket WHERE status = 'open';

-- The functions behind the commands. Parameters are named p_*, as many code bases do.
CREATE FUNCTION desk.list_open() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('ticket_id', ticket_id, 'subject', subject)
                              ORDER BY ticket_id), '[]'::jsonb)
      FROM desk.open_tickets
$$;

CREATE FUNCTION desk.ticket_detail(p_ticket_id integer) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(t) FROM desk.ticket t WHERE t.ticket_id = p_ticket_id
$$;

CREATE FUNCTION desk.open_ticket(p_subject text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    new_id integer;
BEGIN
    INSERT INTO desk.ticket (subject) VALUES (p_subject) RETURNING ticket_id INTO new_id;
    INSERT INTO desk.ticket_event (ticket_id, what) VALUES (new_id, 'opened');
    RETURN jsonb_build_object('ticket_id', new_id);
END $$;

-- A shared helper in public, found on the search_path: its signature records the schema.
CREATE FUNCTION public.queue_stats() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('open', count(*) FILTER (WHERE status = 'open'),
                              'closed', count(*) FILTER (WHERE status = 'closed'))
      FROM desk.ticket
$$;

-- One status change, with its event: what closing and reopening share.
CREATE FUNCTION desk.move_ticket(p_ticket_id integer, p_from text, p_to text, p_note text)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    UPDATE desk.ticket SET status = p_to, closed_note = p_note
     WHERE ticket_id = p_ticket_id AND status = p_from;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ticket % is not %', p_ticket_id, p_from;
    END IF;
    INSERT INTO desk.ticket_event (ticket_id, what) VALUES (p_ticket_id, p_to);
    RETURN jsonb_build_object('ticket_id', p_ticket_id, 'status', p_to);
END $$;

-- Written, not yet offered on the console: the adoption governs them as one new migration.
CREATE FUNCTION desk.close_ticket(p_ticket_id integer, p_note text DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT desk.move_ticket(p_ticket_id, 'open', 'closed', p_note)
$$;

CREATE FUNCTION desk.reopen_ticket(p_ticket_id integer) RETURNS jsonb LANGUAGE sql AS $$
    SELECT desk.move_ticket(p_ticket_id, 'closed', 'open', NULL)
$$;

INSERT INTO desk.operator_command (name, area, changes_data, can_undo, calls, notes) VALUES
    ('desk_tickets_open',   'tickets', false, false, '{list_open}',     'the open queue'),
    ('desk_ticket_show',    'tickets', false, false, '{ticket_detail}', NULL),
    ('desk_ticket_create',  'tickets', true,  false, '{open_ticket}',   'from the phone line'),
    ('desk_queue_stats',    'reports', false, false, '{queue_stats}',   NULL);

INSERT INTO desk.ticket (subject) VALUES ('printer on fire'), ('password reset');

COMMIT;
