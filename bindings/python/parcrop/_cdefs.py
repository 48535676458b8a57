"""The C declarations of libparcrop for cffi, copied from include/parcrop.h.

This is the only place where the Python package declares C functions and types.
tests/python/test_cdefs.py parses the header's prototypes, struct fields and
status codes and compares them with this text, so the two cannot drift apart:
when the header changes, change this file the same way.

Macros are not declared here (cffi's ABI mode cannot see them); the few the
package needs are mirrored as Python constants below and checked by the same test.
"""

# Mirrors of the header's macros (checked against parcrop.h by the tests).
PARCROP_VERSION_MAJOR = 0
PARCROP_VERSION_MINOR = 3
PARCROP_VERSION_PATCH = 0
PARCROP_VERSION_NUMBER = PARCROP_VERSION_MAJOR * 10000 + PARCROP_VERSION_MINOR * 100 + PARCROP_VERSION_PATCH
PARCROP_FLAG_NORMALIZED_BOXES = 1
PARCROP_INFO_PROGRESSIVE = 1
PARCROP_INFO_INTERLACED = 2
PARCROP_INFO_HAS_ALPHA = 4
PARCROP_INFO_EXIF_MALFORMED = 8
PARCROP_FLIP_HORIZONTAL = 1
PARCROP_FLIP_VERTICAL = 2
PARCROP_MAX_LEVELS = 16

CDEFS = """
typedef enum parcrop_status {
    PARCROP_OK = 0,
    PARCROP_ITEMS_FAILED = 1,

    PARCROP_E_NULL_ARGUMENT = 100,
    PARCROP_E_STRUCT_SIZE = 101,
    PARCROP_E_INVALID_BOX = 102,
    PARCROP_E_INVALID_SIZE = 103,
    PARCROP_E_INVALID_CHANNELS = 104,
    PARCROP_E_INVALID_FILTER = 105,
    PARCROP_E_INVALID_STRIDE = 106,
    PARCROP_E_INVALID_SOURCE = 107,
    PARCROP_E_INVALID_OPTION = 108,

    PARCROP_E_FILE_NOT_FOUND = 200,
    PARCROP_E_FILE_UNREADABLE = 201,
    PARCROP_E_NOT_A_FILE = 202,
    PARCROP_E_EMPTY_INPUT = 203,
    PARCROP_E_UNKNOWN_FORMAT = 204,
    PARCROP_E_TRUNCATED = 205,
    PARCROP_E_CORRUPT = 206,
    PARCROP_E_UNSUPPORTED = 207,

    PARCROP_E_FILE_TOO_LARGE = 300,
    PARCROP_E_IMAGE_TOO_LARGE = 301,
    PARCROP_E_TOO_MANY_PIXELS = 302,
    PARCROP_E_DECODE_MEMORY = 303,
    PARCROP_E_DECODE_WORK = 304,

    PARCROP_E_OUT_OF_MEMORY = 400,

    PARCROP_E_INTERNAL = 500
} parcrop_status;

const char* parcrop_strerror(parcrop_status status);

uint32_t parcrop_version(void);
const char* parcrop_version_string(void);

typedef struct parcrop_options {
    size_t struct_size;
    uint32_t num_threads;
    uint32_t max_width;
    uint32_t max_height;
    uint64_t max_pixels;
    uint64_t max_file_size;
    uint64_t max_decode_memory;
    uint64_t max_item_decoded_pixels;
    uint32_t max_tiled_image_side;
    uint64_t index_cache_bytes;
} parcrop_options;

void parcrop_options_init(parcrop_options* options);

typedef struct parcrop_context parcrop_context;

parcrop_status parcrop_context_create(const parcrop_options* options,
                                      parcrop_context** out_context);
void parcrop_context_destroy(parcrop_context* context);

typedef struct parcrop_source {
    const char* path;
    const uint8_t* data;
    size_t size;
} parcrop_source;

typedef struct parcrop_box {
    float x0, y0, x1, y1;
} parcrop_box;

typedef enum parcrop_filter {
    PARCROP_FILTER_DEFAULT = 0,
    PARCROP_FILTER_NEAREST = 1,
    PARCROP_FILTER_BILINEAR = 2,
    PARCROP_FILTER_BICUBIC = 3,
    PARCROP_FILTER_AREA = 4,
    PARCROP_FILTER_LANCZOS3 = 5
} parcrop_filter;

typedef enum parcrop_decode_mode {
    PARCROP_DECODE_DEFAULT = 0,
    PARCROP_DECODE_EXACT = 1,
    PARCROP_DECODE_FAST = 2
} parcrop_decode_mode;

typedef enum parcrop_out_of_bounds {
    PARCROP_OUT_OF_BOUNDS_ERROR = 0,
    PARCROP_OUT_OF_BOUNDS_PAD = 1,
    PARCROP_OUT_OF_BOUNDS_CLAMP = 2
} parcrop_out_of_bounds;

typedef enum parcrop_exif {
    PARCROP_EXIF_IGNORE = 0,
    PARCROP_EXIF_APPLY = 1
} parcrop_exif;

typedef struct parcrop_crop_params {
    size_t struct_size;
    uint32_t out_height;
    uint32_t out_width;
    uint32_t out_channels;
    parcrop_filter filter;
    parcrop_decode_mode mode;
    uint32_t flags;
    size_t item_stride;
    size_t row_stride;
    uint32_t flip;
    const uint8_t* item_flip;
    parcrop_out_of_bounds out_of_bounds;
    uint8_t fill[4];
    parcrop_exif exif;
} parcrop_crop_params;

void parcrop_crop_params_init(parcrop_crop_params* params);

parcrop_status parcrop_crop_batch(parcrop_context* context,
                                  const parcrop_source* sources,
                                  const parcrop_box* boxes, size_t count,
                                  const parcrop_crop_params* params, uint8_t* out,
                                  parcrop_status* item_status);

typedef struct parcrop_glimpse {
    float x;
    float y;
    float scale;
} parcrop_glimpse;

parcrop_status parcrop_glimpse_box(uint32_t width, uint32_t height,
                                   parcrop_glimpse glimpse, float max_img_percent,
                                   parcrop_box* box);

parcrop_status parcrop_crop_glimpses(parcrop_context* context,
                                     const parcrop_source* sources,
                                     const parcrop_glimpse* glimpses, size_t count,
                                     float max_img_percent,
                                     const parcrop_crop_params* params, uint8_t* out,
                                     parcrop_status* item_status);

size_t parcrop_last_batch_size(const parcrop_context* context);
parcrop_status parcrop_last_item_status(const parcrop_context* context, size_t index);
const char* parcrop_last_item_message(const parcrop_context* context, size_t index);

typedef enum parcrop_format {
    PARCROP_FORMAT_UNKNOWN = 0,
    PARCROP_FORMAT_JPEG = 1,
    PARCROP_FORMAT_PNG = 2,
    PARCROP_FORMAT_BMP = 3,
    PARCROP_FORMAT_GIF = 4,
    PARCROP_FORMAT_TGA = 5,
    PARCROP_FORMAT_HDR = 6,
    PARCROP_FORMAT_PSD = 7,
    PARCROP_FORMAT_PNM = 8,
    PARCROP_FORMAT_WEBP = 9,
    PARCROP_FORMAT_TIFF = 10
} parcrop_format;

const char* parcrop_format_name(parcrop_format format);

typedef struct parcrop_level {
    uint32_t width;
    uint32_t height;
    double downsample;
} parcrop_level;

typedef struct parcrop_image_info {
    size_t struct_size;
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    parcrop_format format;
    uint32_t exif_orientation;
    uint32_t display_width;
    uint32_t display_height;
    uint32_t flags;
    uint32_t restart_interval;
    uint32_t level_count;
    parcrop_level levels[16];
    uint32_t tile_width;
    uint32_t tile_height;
    uint32_t compression;
    double microns_per_pixel_x;
    double microns_per_pixel_y;
} parcrop_image_info;

void parcrop_image_info_init(parcrop_image_info* info);

parcrop_status parcrop_probe(parcrop_context* context, const parcrop_source* sources,
                             size_t count, parcrop_image_info* out_info,
                             parcrop_status* item_status);

void* initialize(uint64_t num_threads, bool use_vips);
void destroy(void* handle);
void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out,
                              float* scale, float* x, float* y, uint32_t window_size,
                              uint32_t chans, float max_img_percent, size_t n);
"""
