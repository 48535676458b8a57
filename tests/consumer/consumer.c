/* Links against an installed parcrop and checks that header and library agree. */
#include <parcrop.h>
#include <stdio.h>

int main(void) {
    parcrop_context* context = NULL;
    if (parcrop_version() != PARCROP_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %u\n", PARCROP_VERSION_NUMBER, parcrop_version());
        return 1;
    }
    if (parcrop_context_create(NULL, &context) != PARCROP_OK) return 1;
    parcrop_context_destroy(context);
    printf("parcrop %s\n", parcrop_version_string());
    return 0;
}
