/* A C consumer of an installed iucore (libiucore.so.1): prints the library version and the
 * figures of the definition given as argv[1]. Built both through find_package(iucore) and
 * through pkg-config (tests/capi/check_consumer.sh). */
#include <iucore.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
    iucore_definition* definition = NULL;
    char* figures = NULL;
    int status;
    if (argc != 2) {
        fprintf(stderr, "usage: %s DEFINITION\n", argv[0]);
        return 2;
    }
    printf("c: iucore %s (header %s, ABI %d)\n", iucore_version(), IUCORE_VERSION_STRING,
           iucore_abi_version());
    if (strcmp(iucore_version(), IUCORE_VERSION_STRING) != 0) return 1;
    status = iucore_definition_load_file(&definition, argv[1]);
    if (status == IUCORE_OK) status = iucore_figures(&figures, definition, NULL);
    if (status != IUCORE_OK) {
        fprintf(stderr, "c: %s\n", iucore_last_error_message());
        iucore_definition_destroy(&definition);
        return 1;
    }
    printf("c: figures %s\n", figures);
    iucore_free(figures);
    iucore_definition_destroy(&definition);
    return 0;
}
