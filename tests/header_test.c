/* Compiled as strict C99 with -Werror: the public header must be plain C. It also
 * walks every status code through parcrop_strerror. */
#include "parcrop.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    static const parcrop_status codes[] = {
        PARCROP_OK, PARCROP_ITEMS_FAILED, PARCROP_E_NULL_ARGUMENT, PARCROP_E_STRUCT_SIZE,
        PARCROP_E_INVALID_BOX, PARCROP_E_INVALID_SIZE, PARCROP_E_INVALID_CHANNELS,
        PARCROP_E_INVALID_FILTER, PARCROP_E_INVALID_STRIDE, PARCROP_E_INVALID_SOURCE,
        PARCROP_E_INVALID_OPTION, PARCROP_E_FILE_NOT_FOUND, PARCROP_E_FILE_UNREADABLE,
        PARCROP_E_NOT_A_FILE, PARCROP_E_EMPTY_INPUT, PARCROP_E_UNKNOWN_FORMAT, PARCROP_E_TRUNCATED,
        PARCROP_E_CORRUPT, PARCROP_E_UNSUPPORTED, PARCROP_E_FILE_TOO_LARGE,
        PARCROP_E_IMAGE_TOO_LARGE, PARCROP_E_TOO_MANY_PIXELS, PARCROP_E_DECODE_MEMORY,
        PARCROP_E_DECODE_WORK, PARCROP_E_OUT_OF_MEMORY, PARCROP_E_INTERNAL};
    const char* unknown = parcrop_strerror((parcrop_status)12345);
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
        const char* text = parcrop_strerror(codes[i]);
        if (text == NULL || text[0] == '\0' || strcmp(text, unknown) == 0) {
            fprintf(stderr, "status %d has no description\n", (int)codes[i]);
            return 1;
        }
    }
    if (parcrop_version() != PARCROP_VERSION_NUMBER) return 1;
    {
        parcrop_context* context = NULL;
        parcrop_options options;
        parcrop_options_init(&options);
        options.num_threads = 1;
        if (parcrop_context_create(&options, &context) != PARCROP_OK || context == NULL) return 1;
        parcrop_context_destroy(context);
        parcrop_context_destroy(NULL);
        options.max_decode_memory = 0;
        if (parcrop_context_create(&options, &context) != PARCROP_E_INVALID_OPTION || context != NULL) return 1;
        /* A caller built against 0.1's header passes the struct without max_decode_memory. */
        options.struct_size = offsetof(parcrop_options, max_decode_memory);
        if (parcrop_context_create(&options, &context) != PARCROP_OK || context == NULL) return 1;
        parcrop_context_destroy(context);
        options.struct_size = 1;
        if (parcrop_context_create(&options, &context) != PARCROP_E_STRUCT_SIZE || context != NULL) return 1;
    }
    puts("C header ok");
    return 0;
}
