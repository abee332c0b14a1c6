/*
 * iucore.h -- the stable C ABI of iucore (libiucore.so.1).
 *
 * A C99 header that also compiles as C++. Every symbol is named iucore_*; every other symbol of
 * the library is hidden. Beyond the C and C++ runtimes the library needs only libpq at run time
 * (Boost.JSON is compiled in, hidden: a host may use a Boost of its own, of any version).
 *
 * Conventions (the same for every function below):
 *
 *   Status.    Every call that can fail returns an int: IUCORE_OK (0) on success or one of the
 *              negative IUCORE_E_* codes below. After a failure, iucore_last_error_code(),
 *              iucore_last_error_message() and iucore_last_error_json() (code, code name,
 *              message, the server's SQLSTATE, DETAIL and HINT, JSON path of the input)
 *              describe it. The last error is per
 *              thread and owned by the library; a successful call resets it to IUCORE_OK and "".
 *              Each function lists the codes it returns besides those every function of its
 *              kind may return: IUCORE_E_NULL_POINTER, IUCORE_E_INVALID_UTF8,
 *              IUCORE_E_BAD_HANDLE and IUCORE_E_INTERNAL for any function with such parameters;
 *              IUCORE_E_DATABASE and IUCORE_E_CONNECTION for any function given a session.
 *   Messages.  A message names the offending input; an input longer than 200 bytes is shown
 *              by its first 200 bytes (cut at a UTF-8 boundary), "...", and its full length
 *              ("(10485760 bytes in all)"). A message is at most 4096 bytes.
 *   Outputs.   Output parameters come first and are named out / out_json. On entry *out is
 *              set to NULL, so after a failure it is NULL; after a success it holds the value.
 *   Strings.   Every const char* given to the library must be NUL-terminated UTF-8 (else
 *              IUCORE_E_INVALID_UTF8) and is only read during the call (the library keeps no
 *              pointer to it). Parameters documented "may be NULL" take a default; any other
 *              NULL pointer is IUCORE_E_NULL_POINTER.
 *   Ownership. Every char* the library returns through an out parameter is allocated by the
 *              library and must be released with iucore_free() (never free(), never another
 *              allocator). Strings returned as const char* (version, last error message) are
 *              owned by the library and must not be freed.
 *   JSON.      Complex input is JSON text: a JSON parameter that is not valid JSON, or not of
 *              the documented shape, is IUCORE_E_JSON. Reports come out as JSON text: the same
 *              JSON the C++ API produces (iucore::report_json of its report types). Every report
 *              (an object with an "operation") begins with "format": IUCORE_REPORT_FORMAT; its
 *              JSON Schema is capi/schemas/<operation>.json (checked against real reports in
 *              CI). A report of the same format only gains members; removing, renaming or
 *              retyping one is a new format.
 *   Handles.   A definition (iucore_definition) and a database session (iucore_session) are
 *              opaque handles created by *_load_* / iucore_session_open and destroyed by
 *              iucore_definition_destroy / iucore_session_close, which take a pointer to the
 *              handle, accept NULL (and a pointer to NULL), and set the handle to NULL. A NULL
 *              handle, or a handle of the wrong kind, is IUCORE_E_BAD_HANDLE. The library
 *              cannot detect a copy of a handle that was destroyed: destroy through the one
 *              pointer you hold, and it becomes NULL.
 *   Outcomes.  A call fails exactly when the C++ API returns a failure: a governed run that
 *              the gates refuse is a successful call whose report has "outcome": "refused"; a
 *              rollback the run-log guard refuses is IUCORE_E_REFUSED. Reports that carry an
 *              "ok" flag (verify, surface, pins, prove) may say false on a successful call.
 *   Threads.   Functions marked "any thread" may be called concurrently. A definition handle
 *              is immutable after it is loaded: it may be shared by any number of threads,
 *              read-only, until it is destroyed (and destroyed by one thread, when no other call
 *              uses it). A session handle is one libpq connection: it may move between threads
 *              but must be used by one thread at a time.
 *   Exceptions. No C++ exception crosses this interface: an unexpected one is caught and
 *              reported as IUCORE_E_INTERNAL.
 *
 * ABI stability: a function's signature never changes once released; a new variant is added
 * beside it with a _v2 suffix. IUCORE_ABI_VERSION (the SONAME number) changes only when an
 * existing function's behaviour or signature must change incompatibly.
 */
#ifndef IUCORE_H
#define IUCORE_H

/* The version of this header; iucore_version() gives the library's at run time. */
#define IUCORE_VERSION_MAJOR 1
#define IUCORE_VERSION_MINOR 0
#define IUCORE_VERSION_PATCH 0
#define IUCORE_VERSION_STRING "1.0.0"
/* The ABI version: libiucore.so.<IUCORE_ABI_VERSION>; iucore_abi_version() at run time. */
#define IUCORE_ABI_VERSION 1
/* The "format" every report carries (see JSON below). */
#define IUCORE_REPORT_FORMAT "iucore-report/1"

#if defined(__GNUC__) || defined(__clang__)
#define IUCORE_API __attribute__((visibility("default")))
#else
#define IUCORE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. The values are part of the ABI and never change. */
enum iucore_status {
    IUCORE_OK = 0,
    IUCORE_E_INVALID_ARGUMENT = -1, /* bad input: the message names it and what was expected */
    IUCORE_E_DEFINITION = -2,       /* a definition that does not hold together */
    IUCORE_E_REFUSED = -3,          /* a guard, gate or check said no; nothing was changed */
    IUCORE_E_CHECK_FAILED = -4,     /* a verification check found a difference */
    IUCORE_E_DRIFT = -5,            /* an applied migration's checksum no longer matches */
    IUCORE_E_DATABASE = -6,         /* the server reported an error */
    IUCORE_E_CONNECTION = -7,       /* could not reach or lost the server */
    IUCORE_E_IO = -8,               /* reading or writing a file */
    IUCORE_E_INTERNAL = -9,         /* a bug: an unexpected exception was caught */
    IUCORE_E_NULL_POINTER = -10,    /* a required pointer parameter is NULL */
    IUCORE_E_INVALID_UTF8 = -11,    /* a string parameter is not valid UTF-8 */
    IUCORE_E_BAD_HANDLE = -12,      /* a NULL (destroyed) handle or a handle of the wrong kind */
    IUCORE_E_JSON = -13             /* a JSON parameter is malformed or of the wrong shape */
};

/* A loaded definition (the whole governed surface). Opaque. */
typedef struct iucore_definition iucore_definition;
/* One database session (a libpq connection). Opaque. */
typedef struct iucore_session iucore_session;

/* ---- Library, errors, memory ----------------------------------------------------------- */

/* The library's version, e.g. "1.0.0". Static storage owned by the library: do not free.
 * Any thread. Cannot fail. */
IUCORE_API const char* iucore_version(void);

/* The library's ABI version (IUCORE_ABI_VERSION it was built with). Any thread. Cannot fail. */
IUCORE_API int iucore_abi_version(void);

/* The status of the last call on this thread (IUCORE_OK after a success). Any thread; reads
 * this thread's last error only. Cannot fail. */
IUCORE_API int iucore_last_error_code(void);

/* The message of the last failed call on this thread ("" after a success), never NULL. Owned by
 * the library: do not free; valid until the next iucore_* call on this thread (copy it to keep
 * it). Any thread. Cannot fail. */
IUCORE_API const char* iucore_last_error_message(void);

/* The last error on this thread as a JSON object, never NULL:
 *   {"code": -6, "code_name": "IUCORE_E_DATABASE", "message": "...", "sqlstate": "23505",
 *    "detail": "Key (command_name)=(dot_iu_x) already exists.", "hint": null, "path": null}
 * For an error the server reported, "sqlstate" is its five-character SQLSTATE and "detail"
 * and "hint" are its DETAIL and HINT fields (null when it gave none; cut like the message when
 * they echo a long input); for any other error the three are null. "path" is where in a JSON
 * input the error is, when the library knows it ("options_json.dry_run", "args_json[2]", or a
 * definition's "$.migrations[1].id"), else null. After a success: code 0, message "", the rest
 * null. Owned by the library: do not free; valid until the next iucore_* call on
 * this thread other than iucore_last_error_*. Any thread. Cannot fail. */
IUCORE_API const char* iucore_last_error_json(void);

/* The name of a status code as spelled in enum iucore_status ("IUCORE_OK",
 * "IUCORE_E_REFUSED", ...); "IUCORE_E_UNKNOWN" for a value that is not one. Static storage:
 * do not free. Any thread. Cannot fail. */
IUCORE_API const char* iucore_status_name(int code);

/* Releases a string the library returned through an out parameter. NULL is a no-op. Any thread
 * (the string must not be used by another thread). Cannot fail. Up to 4 released blocks of at
 * most 64 kB each are kept by the releasing thread for its next results (malloc's path for a
 * block of a few kB is slow in a fragmented heap) and freed when that thread ends. */
IUCORE_API void iucore_free(void* p);

/* ---- Definitions (no database) --------------------------------------------------------- */

/* Loads and validates a definition file (iucore-definition/1 JSON).
 * out: receives a new handle; the caller owns it and releases it with
 * iucore_definition_destroy. path: file name (UTF-8); the file's directory is where
 * iucore_pins looks for pin sites by default. Errors: IUCORE_E_DEFINITION (unreadable file or
 * an invalid definition; the message names the JSON path), IUCORE_E_NULL_POINTER,
 * IUCORE_E_INVALID_UTF8. Any thread. */
IUCORE_API int iucore_definition_load_file(iucore_definition** out, const char* path);

/* Loads and validates a definition from JSON text.
 * out: receives a new handle (caller owns; iucore_definition_destroy). json_text: the
 * definition. source: names the text in messages; may be NULL ("<json>"). Errors:
 * IUCORE_E_JSON (not valid JSON), IUCORE_E_DEFINITION (valid JSON, invalid definition),
 * IUCORE_E_NULL_POINTER, IUCORE_E_INVALID_UTF8. Any thread. */
IUCORE_API int iucore_definition_load_json(iucore_definition** out, const char* json_text,
                                           const char* source);

/* Destroys a definition and sets *definition to NULL. definition may be NULL and *definition
 * may be NULL (both no-ops, IUCORE_OK). Errors: IUCORE_E_BAD_HANDLE (*definition is not a
 * definition handle; nothing is freed). Not concurrently with other calls on the same handle. */
IUCORE_API int iucore_definition_destroy(iucore_definition** definition);

/* The definition as JSON (the file format). out_json: caller frees with iucore_free.
 * Any thread. */
IUCORE_API int iucore_definition_json(char** out_json, const iucore_definition* definition);

/* Every figure the record pins at one version: {"version", "catalog_rows", "distinct_targets",
 * "governed_commands", "registry_entries", "surface": {...}}. version: a version the definition
 * knows ("033", "034"); may be NULL (the latest). out_json: caller frees with iucore_free.
 * Errors: IUCORE_E_INVALID_ARGUMENT (unknown version). Any thread. */
IUCORE_API int iucore_figures(char** out_json, const iucore_definition* definition,
                              const char* version);

/* The catalog at one version (the migrations folded over the baseline): a JSON array of rows
 * {"command_name", "category", "mutating", "reversible", "target_functions"}. version: may be
 * NULL (the latest: the SSOT). out_json: caller frees with iucore_free. Errors:
 * IUCORE_E_INVALID_ARGUMENT (unknown version). Any thread. */
IUCORE_API int iucore_catalog(char** out_json, const iucore_definition* definition,
                              const char* version);

/* Renders SQL from the definition alone: {"file", "checksum", "checksum_algorithm", "sql"},
 * where "sql" runs under psql -v ON_ERROR_STOP=on -f. out_json: caller frees with iucore_free.
 * Errors: IUCORE_E_INVALID_ARGUMENT (unknown migration or version). Any thread (all three). */
IUCORE_API int iucore_render_forward(char** out_json, const iucore_definition* definition,
                                     const char* migration_id);
IUCORE_API int iucore_render_rollback(char** out_json, const iucore_definition* definition,
                                      const char* migration_id);
/* version: may be NULL (the latest): the whole catalog at that version as one idempotent seed.
 * out_json: caller frees with iucore_free. Any thread. */
IUCORE_API int iucore_render_seed(char** out_json, const iucore_definition* definition,
                                  const char* version);

/* Every version's figures; with check != 0, reads each pin site and names every one that
 * disagrees ({"operation": "pins", "figures", "checked_sites", "mismatches", "ok"}; a mismatch
 * is "ok": false on a successful call). base_dir: where pin site paths start; may be NULL (the
 * directory of the definition file, or the current directory for a definition loaded from
 * JSON text). out_json: caller frees with iucore_free. Errors: IUCORE_E_IO (a pin site file
 * cannot be read), IUCORE_E_DEFINITION (a pin pattern is not a valid regular expression). Any
 * thread. */
IUCORE_API int iucore_pins(char** out_json, const iucore_definition* definition, int check,
                           const char* base_dir);

/* The plan of a DOT command: catalog row, target signature, bound arguments, the SQL, the
 * gates of its mode and a "verdict". session: may be NULL (offline: gates are listed, not
 * evaluated); with a session, live configs are read and "decision" is filled in.
 * command: a registry command name. args_json: a JSON array of "key=value" strings, as the
 * operator usage passes them; may be NULL (no arguments). out_json: caller frees with
 * iucore_free. Errors: IUCORE_E_INVALID_ARGUMENT (unknown command or argument; the message
 * names the nearest valid one), IUCORE_E_JSON, database errors with a session. Any thread
 * for the definition; the session one thread at a time. */
IUCORE_API int iucore_explain(char** out_json, iucore_session* session,
                              const iucore_definition* definition, const char* command,
                              const char* args_json);

/* ---- Sessions --------------------------------------------------------------------------- */

/* A session is one libpq connection. When the server or the network ends it, every call on the
 * session fails with IUCORE_E_CONNECTION (a dead session is never reconnected behind the
 * caller's back: the transaction it was in is gone) until iucore_session_reset reconnects it.
 * A cancelled or timed-out statement is IUCORE_E_DATABASE (SQLSTATE 57014 or 55P03 in
 * iucore_last_error_json); its transaction is rolled back and the session stays usable. */

/* Connects to PostgreSQL. out: receives a new handle (caller owns; iucore_session_close).
 * conninfo: a libpq connection string; may be NULL or "" (the PG* environment and service
 * files). Errors: IUCORE_E_CONNECTION. Any thread. The same as iucore_session_open_with with
 * options_json NULL. */
IUCORE_API int iucore_session_open(iucore_session** out, const char* conninfo);

/* As iucore_session_open, with options for every statement of the session:
 * options_json: {"application_name": string (shown in pg_stat_activity unless conninfo names
 * one), "lock_timeout_ms": integer, "statement_timeout_ms": integer} (each optional; 0 waits
 * forever; absent keeps the server's setting); may be NULL. The timeouts bound each statement
 * of each call: a call that waits longer on a lock, or runs longer, fails with
 * IUCORE_E_DATABASE (SQLSTATE 55P03 lock_not_available or 57014 query_canceled; the message
 * names the blocking backend when it could be found) and nothing of it is committed. They
 * travel in the connection's startup packet (no extra round trip) and hold after
 * iucore_session_reset. Errors: IUCORE_E_CONNECTION, IUCORE_E_JSON. Any thread. */
IUCORE_API int iucore_session_open_with(iucore_session** out, const char* conninfo,
                                        const char* options_json);

/* Asks the server to cancel the statement the session is running now, if any (PQcancel, on a
 * connection of its own): the call in progress on the session's thread fails promptly with
 * IUCORE_E_DATABASE (SQLSTATE 57014), its transaction rolled back, nothing committed; the
 * session stays usable. With nothing running it does nothing (a later call is not affected).
 * Returns IUCORE_OK, or IUCORE_E_BAD_HANDLE for a NULL or non-session handle. Safe from any
 * thread and from a signal handler (async-signal-safe: it neither allocates nor sets the
 * last error, which it leaves unchanged), while the session is open: not concurrently with
 * iucore_session_close or iucore_session_reset of the same session. */
IUCORE_API int iucore_session_cancel(const iucore_session* session);

/* Reconnects a session with the conninfo and options it was opened with, replacing its
 * connection (statements it prepared are prepared again when next used). A live session is
 * reconnected too. On failure the session keeps its old (dead) connection. Errors:
 * IUCORE_E_CONNECTION. The session one thread at a time. */
IUCORE_API int iucore_session_reset(iucore_session* session);

/* Closes the connection and sets *session to NULL. session and *session may be NULL (no-ops).
 * Errors: IUCORE_E_BAD_HANDLE (*session is not a session handle; nothing is freed). Not
 * concurrently with other calls on the same handle. */
IUCORE_API int iucore_session_close(iucore_session** session);

/* ---- The migration lifecycle (one transaction each, on the session) ----------------------
 * For every function below: out_json receives the report, which the caller frees with
 * iucore_free; the session is used by one thread at a time, the definition may be shared;
 * database failures are IUCORE_E_DATABASE or IUCORE_E_CONNECTION. */

/* Applies one migration: advisory lock, preflight, insert, verification, ledger row. Report:
 * {"operation": "apply", "outcome": "applied" | "already_applied" | "would_apply" | "drift",
 * "inserted", "insert_status", "checks", "checksum", ...}. options_json: {"dry_run": bool,
 * "applied_by": string}, both optional; may be NULL (defaults: false, the session user).
 * Errors: IUCORE_E_REFUSED (a migration it requires is not applied), IUCORE_E_CHECK_FAILED
 * (preflight: a function it requires is missing; or a verification check failed after the
 * insert), IUCORE_E_INVALID_ARGUMENT (unknown migration), IUCORE_E_JSON; nothing is committed
 * on any failure. out_json: caller frees with
 * iucore_free. Threads: the session one thread at a time; the definition may be shared. */
IUCORE_API int iucore_apply(char** out_json, iucore_session* session,
                            const iucore_definition* definition, const char* migration_id,
                            const char* options_json);

/* Checks live against the expectations at version (may be NULL: the latest). Report
 * {"operation": "verify", "ok", "checks"}; failing checks are "ok": false on success. out_json:
 * caller frees with iucore_free. Threads: the session one thread at a time; the definition may be
 * shared. */
IUCORE_API int iucore_verify(char** out_json, iucore_session* session,
                             const iucore_definition* definition, const char* version);

/* Deletes the migration's rows under the run-log guard. Errors: IUCORE_E_REFUSED while a run
 * references a row or a later applied migration requires it (nothing is changed). out_json: caller
 * frees with iucore_free. Threads: the session one thread at a time; the definition may be shared.
 */
IUCORE_API int iucore_rollback(char** out_json, iucore_session* session,
                               const iucore_definition* definition, const char* migration_id);

/* apply -> rollback -> re-apply, each step (and each count) on its own new connection.
 * conninfo: as for iucore_session_open (may be NULL). Report {"operation": "prove", "ok",
 * "steps"}. Errors: IUCORE_E_REFUSED (a run references the migration's rows, so its rollback
 * would be refused; nothing is done), IUCORE_E_CHECK_FAILED (as iucore_apply's, or a step
 * leaves another number of catalog rows than expected), IUCORE_E_DRIFT (the migration is
 * applied with another checksum), IUCORE_E_INVALID_ARGUMENT (unknown migration),
 * IUCORE_E_DATABASE, IUCORE_E_CONNECTION. out_json: caller frees with iucore_free. Threads: any
 * thread (prove opens its own connections). */
IUCORE_API int iucore_prove(char** out_json, const char* conninfo,
                            const iucore_definition* definition, const char* migration_id);

/* Live catalog against the SSOT, row by row: {"operation": "diff", "diff": {...}}. out_json: caller
 * frees with iucore_free. Threads: the session one thread at a time; the definition may be shared.
 */
IUCORE_API int iucore_diff(char** out_json, iucore_session* session,
                           const iucore_definition* definition);

/* Live inventory by kind against the definition: {"operation": "surface", "ok", ...}. out_json:
 * caller frees with iucore_free. Threads: the session one thread at a time; the definition may be
 * shared. */
IUCORE_API int iucore_surface(char** out_json, iucore_session* session,
                              const iucore_definition* definition);

/* Every migration: applied, pending or drifted, with checksums ({"operation": "status"}). out_json:
 * caller frees with iucore_free. Threads: the session one thread at a time; the definition may be
 * shared. */
IUCORE_API int iucore_status(char** out_json, iucore_session* session,
                             const iucore_definition* definition);

/* Reads the live catalog, surface, configs and target signatures into a definition; out_json
 * is definition JSON (load it with iucore_definition_load_json). definition supplies the
 * schema model (where things live). out_json: caller frees with iucore_free.
 * Threads: the session one thread at a time; the definition may be shared. */
IUCORE_API int iucore_snapshot(char** out_json, iucore_session* session,
                               const iucore_definition* definition);

/* ---- Governed DOT commands --------------------------------------------------------------- */

/* Every config, its value, and which commands each gate holds in each mode:
 * {"operation": "gates", "configs", "evaluated", "gates"}. out_json: caller frees with iucore_free.
 * Threads: the session one thread at a time; the definition may be shared. */
IUCORE_API int iucore_gates(char** out_json, iucore_session* session,
                            const iucore_definition* definition);

/* Runs a governed command: gates checked, the function called, a run-log row written, in one
 * round trip. Report {"operation": "run", "outcome": "ok" | "refused" | "error", "message",
 * "run_id", "decision", "result", "unreadable", ...}: a refused or failing run is logged and is
 * a successful call. "run_id" is null when the definition's run log has no id column;
 * "unreadable" is null, or says what of a committed run's answer could not be read (the run
 * stands). args_json: a JSON array of "key=value" strings; may be NULL. actor: who runs it (the
 * run log's actor); NULL or empty: the session's current_user. Errors:
 * IUCORE_E_INVALID_ARGUMENT (unknown command or bad argument: nothing is logged), IUCORE_E_JSON.
 * out_json: caller frees with iucore_free.
 * Threads: the session one thread at a time; the definition may be shared. */
IUCORE_API int iucore_run(char** out_json, iucore_session* session,
                          const iucore_definition* definition, const char* command,
                          const char* args_json, const char* actor);

/* Makes a function a governed command: reads its signature from pg_proc and appends the next
 * migration (catalog row, preflight requirement, signature, registry entry) to a copy of the
 * definition, or adds them to the migration named by "migration". options_json: {"function":
 * string, "command": string, "category": string, "mutating": bool, "reversible": bool,
 * "migration": string} (the booleans optional, default false; "migration" optional: a migration
 * of the definition that the ledger does not have as applied, else IUCORE_E_REFUSED). out_json:
 * receives {"operation": "promote", "migration", "expectations", "definition": the new
 * definition (JSON object), "path": write_path or null}; may be NULL when write_path is given.
 * write_path: where to write the new definition file (atomically); may be NULL when out_json
 * is given. The definition handle itself is not changed. Errors: IUCORE_E_INVALID_ARGUMENT
 * (the command is already governed or not named dot_iu_*, the function does not exist),
 * IUCORE_E_IO (write_path cannot be written; no file is left behind), IUCORE_E_JSON. out_json (when
 * given): caller frees with iucore_free. Threads: the session one thread at a time; the definition
 * may be shared. */
IUCORE_API int iucore_promote(char** out_json, iucore_session* session,
                              const iucore_definition* definition, const char* options_json,
                              const char* write_path);

#ifdef __cplusplus
}
#endif

#endif /* IUCORE_H */
