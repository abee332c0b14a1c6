/*
 * iucore_example_c: a C99 program embedding iucore through its C ABI (libiucore.so.1).
 *
 *   iucore_example_c CONNINFO [DEFINITION]
 *
 * Explains the record's two new DOT commands (offline, then with the live configs), then
 * applies migration 034 (a dry run, for real, and again) and verifies the result, printing each
 * report as JSON. The database must be in the state before 034 (the 033 substrate and the seed
 * of version 033). Exit status: 0 done, 1 a call failed, 2 usage.
 */
#include <iucore.h>

#include <stdio.h>
#include <string.h>

#ifndef IUCORE_EXAMPLE_DEFINITION
#define IUCORE_EXAMPLE_DEFINITION "iu_core.json"
#endif

static const char* const from_event_args =
    "[\"event_id=6f1f1f1e-0000-4000-8000-000000000001\","
    " \"event_type=template.instance_auto_composed\","
    " \"template_collection_id=6f1f1f1e-0000-4000-8000-000000000002\","
    " \"instance_key_suffix=demo-001\", \"emit_mode=dry_run\", \"actor=operator\","
    " \"note=trial run\"]";

/* Prints the report a call left in *json, then releases it (the string is read through the
 * pointer after the call: the order in which function arguments are evaluated is unspecified).
 * Returns 0 when the call succeeded. */
static int report(const char* label, int status, char** json) {
    if (status != IUCORE_OK) {
        fprintf(stderr, "%s: failed (%d): %s\n", label, status, iucore_last_error_message());
        return 1;
    }
    printf("%s: %s\n", label, *json);
    iucore_free(*json);
    *json = NULL;
    return 0;
}

int main(int argc, char** argv) {
    iucore_definition* definition = NULL;
    iucore_session* session = NULL;
    char* json = NULL;
    int failed = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s CONNINFO [DEFINITION]\n", argv[0]);
        return 2;
    }
    if (iucore_abi_version() != IUCORE_ABI_VERSION) {
        fprintf(stderr, "libiucore ABI %d, built against %d\n", iucore_abi_version(),
                IUCORE_ABI_VERSION);
        return 1;
    }
    printf("iucore %s (ABI %d)\n", iucore_version(), iucore_abi_version());

    if (iucore_definition_load_file(&definition, argc == 3 ? argv[2] : IUCORE_EXAMPLE_DEFINITION) !=
        IUCORE_OK) {
        fprintf(stderr, "load: %s\n", iucore_last_error_message());
        return 1;
    }

    /* Offline: the plan from the definition alone. */
    failed |=
        report("explain (offline)",
               iucore_explain(&json, NULL, definition, "dot_iu_auto_instantiate_rollback_by_actor",
                              "[\"actor=operator\", \"dry_run=true\"]"),
               &json);

    if (iucore_session_open(&session, argv[1]) != IUCORE_OK) {
        fprintf(stderr, "connect: %s\n", iucore_last_error_message());
        iucore_definition_destroy(&definition);
        return 1;
    }

    /* Live: the same plan with the live configs, and the verdict of the gates. */
    failed |= report("explain (live)",
                     iucore_explain(&json, session, definition,
                                    "dot_iu_auto_instantiate_from_event", from_event_args),
                     &json);
    failed |= report("apply 034 (dry run)",
                     iucore_apply(&json, session, definition, "034", "{\"dry_run\": true}"), &json);
    failed |= report(
        "apply 034",
        iucore_apply(&json, session, definition, "034", "{\"applied_by\": \"iucore_example_c\"}"),
        &json);
    failed |=
        report("apply 034 (again)", iucore_apply(&json, session, definition, "034", NULL), &json);
    failed |= report("verify", iucore_verify(&json, session, definition, NULL), &json);

    iucore_session_close(&session);
    iucore_definition_destroy(&definition);
    return failed ? 1 : 0;
}
