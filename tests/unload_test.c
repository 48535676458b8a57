/* A program that dlopen()s libparcrop, runs a batch on two threads and dlclose()s it
 * straight away, as cffi's ABI mode does when its library object is collected at
 * interpreter exit. OpenMP's worker threads spin for a while after a parallel region;
 * had the close unmapped the OpenMP runtime under them, they would crash here. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parcrop.h"

#define ITEMS 8
#define SIDE 16

typedef void (*options_init_fn)(parcrop_options*);
typedef parcrop_status (*context_create_fn)(const parcrop_options*, parcrop_context**);
typedef void (*context_destroy_fn)(parcrop_context*);
typedef void (*params_init_fn)(parcrop_crop_params*);
typedef parcrop_status (*crop_batch_fn)(parcrop_context*, const parcrop_source*, const parcrop_box*, size_t,
                                        const parcrop_crop_params*, uint8_t*, parcrop_status*);

/* Distinct buffers: items naming the same bytes would form one group on one thread. */
static uint8_t images[ITEMS][32 + SIDE * SIDE];

static int run_once(const char* path, size_t image_size) {
    void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    options_init_fn options_init = (options_init_fn)dlsym(library, "parcrop_options_init");
    context_create_fn context_create = (context_create_fn)dlsym(library, "parcrop_context_create");
    context_destroy_fn context_destroy = (context_destroy_fn)dlsym(library, "parcrop_context_destroy");
    params_init_fn params_init = (params_init_fn)dlsym(library, "parcrop_crop_params_init");
    crop_batch_fn crop_batch = (crop_batch_fn)dlsym(library, "parcrop_crop_batch");
    if (!options_init || !context_create || !context_destroy || !params_init || !crop_batch) {
        fprintf(stderr, "dlsym failed\n");
        return 1;
    }
    parcrop_options options;
    options_init(&options);
    options.num_threads = 2;
    parcrop_context* context = NULL;
    if (context_create(&options, &context) != PARCROP_OK) return 1;
    parcrop_source sources[ITEMS];
    parcrop_box boxes[ITEMS];
    for (int i = 0; i < ITEMS; ++i) {
        sources[i].path = NULL;
        sources[i].data = images[i];
        sources[i].size = image_size;
        boxes[i].x0 = (float)i;
        boxes[i].y0 = 0.0f;
        boxes[i].x1 = (float)(i + 8);
        boxes[i].y1 = 8.0f;
    }
    parcrop_crop_params params;
    params_init(&params);
    params.out_height = params.out_width = 4;
    static uint8_t out[ITEMS * 4 * 4 * 3];
    parcrop_status status[ITEMS];
    const parcrop_status result = crop_batch(context, sources, boxes, ITEMS, &params, out, status);
    context_destroy(context);
    dlclose(library);
    /* Long enough for threads spinning in unmapped code to fault. */
    const struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    if (result != PARCROP_OK) {
        fprintf(stderr, "batch failed: %d\n", (int)status[0]);
        return 1;
    }
    return 0;
}

int main(void) {
    /* Binary PGMs: a header, then SIDE x SIDE gray bytes. */
    int header = 0;
    for (int item = 0; item < ITEMS; ++item) {
        header = snprintf((char*)images[item], 32, "P5 %d %d 255\n", SIDE, SIDE);
        for (int i = 0; i < SIDE * SIDE; ++i) images[item][header + i] = (uint8_t)(i * 7 + item);
    }
    for (int round = 0; round < 10; ++round) {
        if (run_once(PARCROP_LIBRARY_PATH, (size_t)header + SIDE * SIDE) != 0) return 1;
    }
    puts("unload_test: 10 dlopen/batch/dlclose rounds");
    return 0;
}
