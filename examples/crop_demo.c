/* The main job: make a folder of sample photographs, crop a batch of 32 glimpses
 * from them in parallel, write the crops as a contact sheet and print the time per
 * batch.
 *
 *   crop_demo [OUTPUT_DIR] [RUNS]     (defaults: parcrop-demo, 20)
 */
#include <errno.h>
#include <parcrop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sample_images.h"

enum { kBatch = 32, kWindow = 64, kColumns = 8, kGap = 4 };

struct sample {
    const char* name;
    int width, height;
};

/* The sizes of the benchmark's workloads: photos, small training images, PNGs. */
static const struct sample kSamples[] = {
    {"photo", 2560, 1600}, {"small", 500, 375}, {"square", 512, 512}, {"lossless.png", 512, 512}};

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare_doubles(const void* a, const void* b) {
    const double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

/* A deterministic pseudo-random float in [0, 1). */
static float next_unit(unsigned* state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / (float)(1u << 24);
}

static double median_batch_ms(parcrop_context* context, const parcrop_source* sources,
                              const parcrop_glimpse* glimpses, const parcrop_crop_params* params,
                              uint8_t* crops, parcrop_status* status, int runs) {
    double* times = malloc(sizeof(double) * (size_t)runs);
    if (times == NULL) return -1;
    for (int r = 0; r < runs; ++r) {
        const double start = now_seconds();
        const parcrop_status result =
            parcrop_crop_glimpses(context, sources, glimpses, kBatch, 0.25f, params, crops, status);
        times[r] = (now_seconds() - start) * 1e3;
        if (result != PARCROP_OK) {
            fprintf(stderr, "batch failed: %s (item 0: %s)\n", parcrop_strerror(result),
                    parcrop_last_item_message(context, 0));
            free(times);
            return -1;
        }
    }
    qsort(times, (size_t)runs, sizeof(double), compare_doubles);
    const double median = times[runs / 2];
    free(times);
    return median;
}

static int write_contact_sheet(const char* path, const uint8_t* crops) {
    const int rows = kBatch / kColumns;
    const int width = kColumns * (kWindow + kGap) + kGap, height = rows * (kWindow + kGap) + kGap;
    uint8_t* sheet = malloc((size_t)width * height * 3);
    if (sheet == NULL) return -1;
    memset(sheet, 255, (size_t)width * height * 3);
    for (int i = 0; i < kBatch; ++i) {
        const int left = kGap + (i % kColumns) * (kWindow + kGap), top = kGap + (i / kColumns) * (kWindow + kGap);
        for (int y = 0; y < kWindow; ++y) {
            memcpy(sheet + ((size_t)(top + y) * width + left) * 3, crops + ((size_t)i * kWindow + y) * kWindow * 3,
                   kWindow * 3);
        }
    }
    const int result = write_png(path, sheet, width, height);
    free(sheet);
    return result;
}

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : "parcrop-demo";
    const int runs = argc > 2 ? atoi(argv[2]) : 20;
    if (runs < 1 || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "usage: %s [OUTPUT_DIR] [RUNS >= 1]\n", argv[0]);
        return 2;
    }

    /* 32 distinct files, so that no decode is served from another item's work. */
    static char paths[kBatch][512];
    parcrop_source sources[kBatch];
    parcrop_glimpse glimpses[kBatch];
    unsigned rng = 12345u;
    const size_t kinds = sizeof kSamples / sizeof kSamples[0];
    for (int i = 0; i < kBatch; ++i) {
        const struct sample* s = &kSamples[i % kinds];
        const int has_extension = strchr(s->name, '.') != NULL;
        snprintf(paths[i], sizeof paths[i], "%s/%02d-%s%s", dir, i, s->name, has_extension ? "" : ".jpg");
        struct stat info;
        const int have_it = stat(paths[i], &info) == 0 && info.st_size > 0;
        if (!have_it && write_sample_image(paths[i], s->width, s->height, (unsigned)i) != 0) {
            fprintf(stderr, "cannot write %s\n", paths[i]);
            return 1;
        }
        sources[i] = (parcrop_source){paths[i], NULL, 0};
        glimpses[i] = (parcrop_glimpse){next_unit(&rng), next_unit(&rng), next_unit(&rng)};
    }

    parcrop_context* context = NULL;
    if (parcrop_context_create(NULL, &context) != PARCROP_OK) return 1;
    parcrop_crop_params params;
    parcrop_crop_params_init(&params);
    params.out_height = params.out_width = kWindow;
    static uint8_t crops[kBatch * kWindow * kWindow * 3];
    parcrop_status status[kBatch];

    printf("parcrop %s: batches of %d glimpses (max 1/4 of each side) from %s, %dx%d RGB, median of %d\n",
           parcrop_version_string(), kBatch, dir, kWindow, kWindow, runs);
    const struct {
        const char* label;
        parcrop_filter filter;
        parcrop_decode_mode mode;
    } configs[] = {{"nearest, exact pixels (Rust-compatible)", PARCROP_FILTER_NEAREST, PARCROP_DECODE_EXACT},
                   {"bilinear, exact pixels", PARCROP_FILTER_BILINEAR, PARCROP_DECODE_EXACT},
                   {"bilinear, DCT-scaled decode (default)", PARCROP_FILTER_BILINEAR, PARCROP_DECODE_DEFAULT}};
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; ++c) {
        params.filter = configs[c].filter;
        params.mode = configs[c].mode;
        const double ms = median_batch_ms(context, sources, glimpses, &params, crops, status, runs);
        if (ms < 0) return 1;
        printf("  %-42s %8.2f ms per batch  (%.0f crops/s)\n", configs[c].label, ms, kBatch * 1e3 / ms);
    }

    char sheet[600];
    snprintf(sheet, sizeof sheet, "%s/contact-sheet.png", dir);
    if (write_contact_sheet(sheet, crops) != 0) {
        fprintf(stderr, "cannot write %s\n", sheet);
        return 1;
    }
    printf("wrote %s\n", sheet);
    parcrop_context_destroy(context);
    return 0;
}
