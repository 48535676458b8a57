/* The C API in a few lines: crop two boxes of one image to 64x64 RGB, bilinear.
 * Built and run by the test suite (it is the example in the README). */
#include <parcrop.h>
#include <stdio.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    parcrop_context* context = NULL;
    if (parcrop_context_create(NULL, &context) != PARCROP_OK) return 1;

    const parcrop_source sources[2] = {{argv[1], NULL, 0}, {argv[1], NULL, 0}};
    const parcrop_box boxes[2] = {{0.0f, 0.0f, 0.5f, 0.5f}, {0.25f, 0.25f, 1.0f, 1.0f}};
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = params.out_width = 64;
    params.flags = PARCROP_FLAG_NORMALIZED_BOXES; /* boxes as fractions of each image */

    static uint8_t crops[2 * 64 * 64 * 3];
    parcrop_status status[2];
    const parcrop_status result = parcrop_crop_batch(context, sources, boxes, 2, &params, crops, status);
    for (size_t i = 0; i < 2; ++i) {
        printf("crop %zu: %s %s\n", i, parcrop_strerror(status[i]), parcrop_last_item_message(context, i));
    }
    parcrop_context_destroy(context);
    return result == PARCROP_OK ? 0 : 1;
}
