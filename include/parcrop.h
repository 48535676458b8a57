/*
 * parcrop: crop a batch of images in parallel, decoding only what each crop needs.
 *
 * One public header, plain C (C99 and C++). Two faces:
 *
 *  1. The parcrop_* API: an opaque context made from options, batch calls that take
 *     per-item sources and crop boxes, write into caller-owned memory and fill a
 *     caller-owned per-item status array.
 *  2. initialize / destroy / parallel_crop_and_resize: the entry points of the Rust
 *     library parallel_image_crop, with its signatures and crop rule, so programs
 *     written against it run unchanged. Their handle is a parcrop_context, so the
 *     per-item results of the last call can be read back with parcrop_last_item_*.
 *
 * Memory layout of every output: items of rows of pixels of interleaved channels
 * (N, H, W, C), uint8, top row first, no padding unless strides say otherwise.
 * Channels: 1 = gray, 3 = RGB, 4 = RGBA. Sources are converted: gray is replicated
 * to RGB, RGB becomes gray with ITU-R BT.601 luma weights, alpha is dropped or set
 * opaque (255) where the source has none.
 *
 * Untrusted input: every bad item gets its own status and a zero-filled slot; the
 * rest of the batch is unaffected and nothing aborts the process. The limits in
 * parcrop_options bound what one item may cost; their defaults are safe for
 * web-scraped data.
 */
#ifndef PARCROP_H
#define PARCROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(PARCROP_BUILDING)
#    define PARCROP_API __declspec(dllexport)
#  else
#    define PARCROP_API __declspec(dllimport)
#  endif
#else
#  define PARCROP_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PARCROP_VERSION_MAJOR 0
#define PARCROP_VERSION_MINOR 3
#define PARCROP_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, comparable with parcrop_version(). */
#define PARCROP_VERSION_NUMBER \
    (PARCROP_VERSION_MAJOR * 10000 + PARCROP_VERSION_MINOR * 100 + PARCROP_VERSION_PATCH)

/* Status codes. 0 is success; values are pinned and grouped by hundreds so that a
 * caller can test the group (status / 100) and rely on them across releases. */
typedef enum parcrop_status {
    PARCROP_OK = 0,
    /* The batch ran; at least one item failed (see the per-item statuses). */
    PARCROP_ITEMS_FAILED = 1,

    /* 1xx: the caller's arguments. */
    PARCROP_E_NULL_ARGUMENT = 100,    /* a required pointer is NULL */
    PARCROP_E_STRUCT_SIZE = 101,      /* struct_size of an options struct is unknown */
    PARCROP_E_INVALID_BOX = 102,      /* NaN, infinite, empty, or outside the image */
    PARCROP_E_INVALID_SIZE = 103,     /* output height or width is 0 or over 65535 */
    PARCROP_E_INVALID_CHANNELS = 104, /* output channels not 1, 3 or 4 */
    PARCROP_E_INVALID_FILTER = 105,   /* unknown parcrop_filter */
    PARCROP_E_INVALID_STRIDE = 106,   /* a stride smaller than the data it must hold */
    PARCROP_E_INVALID_SOURCE = 107,   /* a source with neither path nor data */
    PARCROP_E_INVALID_OPTION = 108,   /* an option value out of its range */

    /* 2xx: the input file or bytes. */
    PARCROP_E_FILE_NOT_FOUND = 200,  /* no such file */
    PARCROP_E_FILE_UNREADABLE = 201, /* permission denied or an I/O error */
    PARCROP_E_NOT_A_FILE = 202,      /* a directory or another non-regular file */
    PARCROP_E_EMPTY_INPUT = 203,     /* zero bytes */
    PARCROP_E_UNKNOWN_FORMAT = 204,  /* the first bytes match no supported format */
    PARCROP_E_TRUNCATED = 205,       /* the data ends before the pixels the crop needs */
    PARCROP_E_CORRUPT = 206,         /* malformed headers, tables or compressed data */
    PARCROP_E_UNSUPPORTED = 207,     /* a valid image of a variant parcrop cannot decode */

    /* 3xx: the limits in parcrop_options. */
    PARCROP_E_FILE_TOO_LARGE = 300,  /* more bytes than max_file_size */
    PARCROP_E_IMAGE_TOO_LARGE = 301, /* width or height over max_width or max_height */
    PARCROP_E_TOO_MANY_PIXELS = 302, /* width * height over max_pixels */
    PARCROP_E_DECODE_MEMORY = 303,   /* the decoder would hold more than max_decode_memory */
    PARCROP_E_DECODE_WORK = 304,     /* the file asks for more decoding passes than allowed */

    /* 4xx: resources. */
    PARCROP_E_OUT_OF_MEMORY = 400,

    /* 5xx: a bug in parcrop; please report it. */
    PARCROP_E_INTERNAL = 500
} parcrop_status;

/* A static, English description of a status; never NULL (unknown codes get a
 * generic text). Thread-safe. */
PARCROP_API const char* parcrop_strerror(parcrop_status status);

/* The runtime library's version as PARCROP_VERSION_NUMBER, and as a "0.3.0" string.
 * Compare with the header's macros to detect a mismatched shared library. */
PARCROP_API uint32_t parcrop_version(void);
PARCROP_API const char* parcrop_version_string(void);

/* Context options. Fill with parcrop_options_init(), then change what you need.
 * Fields are only ever added at the end, and parcrop_context_create accepts the struct
 * of any earlier release by its struct_size (missing fields take their defaults); but
 * parcrop_options_init writes the whole struct of the library's release, so a program
 * must allocate the struct of the header it calls it with (0.1 had no
 * max_decode_memory: rebuild against this header, or fill the struct yourself). */
typedef struct parcrop_options {
    size_t struct_size;     /* sizeof(parcrop_options), set by parcrop_options_init */
    uint32_t num_threads;   /* worker threads for a batch; 0 = all cores [0] */
    uint32_t max_width;     /* widest image accepted, pixels [65535] */
    uint32_t max_height;    /* tallest image accepted, pixels [65535] */
    uint64_t max_pixels;    /* largest width * height accepted [178956970, Pillow's bomb limit] */
    uint64_t max_file_size; /* largest encoded input accepted, bytes [1 GiB] */
    /* Memory one item's decoder may hold beyond a row of the crop, in bytes [256 MiB].
     * Only what cannot stream rows uses it: PSD and PNM (decoded whole), progressive and
     * multi-scan JPEG (every coefficient of the image), interlaced PNG (the crop's band),
     * interlaced GIF and bottom-up run-length TGA (the crop's rows), run-length BMP (an
     * index of the crop's rows). Going over it gives PARCROP_E_DECODE_MEMORY before the
     * memory is allocated. */
    uint64_t max_decode_memory;
    /* Tiled formats (TIFF, BigTIFF) are read by parts, tile by tile, so max_width,
     * max_height, max_pixels and max_file_size, made for images decoded in one piece, do
     * not apply to them: a slide of 10^5 pixels a side is ordinary. Instead, the tiles
     * (or strips) that one item's crop covers at the level it reads may hold at most
     * max_item_decoded_pixels pixels [268435456 = 2^28], else the item fails with
     * PARCROP_E_TOO_MANY_PIXELS before any tile is read; and a level's sides may be at
     * most max_tiled_image_side pixels [1048576 = 2^20], else PARCROP_E_IMAGE_TOO_LARGE.
     * Added in 0.3: a struct of 0.2's size (without these) takes their defaults. */
    uint64_t max_item_decoded_pixels;
    uint32_t max_tiled_image_side;
    /* Memory for entropy indexes of baseline JPEGs without restart markers, in bytes
     * [67108864 = 64 MiB; 0 turns indexing off]. The second time a context crops such a
     * file (or the first, when one batch crops it more than once), it pays one Huffman
     * pass over the file (about half a full decode) to index where every few MCUs start;
     * its later crops (the next epoch, the other glimpses) enter its entropy-coded data
     * at the crop instead of decoding every row above it, with the same pixels. A
     * dataset read once pays nothing. An index is about 1% of its file; the least
     * recently used are dropped beyond the budget. Indexes are keyed by path, size and modification time (memory
     * sources: address, size and a hash of their ends) and checked against the bytes
     * at every use, so a changed file is never read with a stale one. Added in 0.3. */
    uint64_t index_cache_bytes;
} parcrop_options;

PARCROP_API void parcrop_options_init(parcrop_options* options);

/* An opaque context: options, worker threads, scratch memory and the per-item
 * results of the last batch.
 *
 * Thread safety: contexts are independent; different threads may run batches on
 * different contexts at the same time. One context may also be shared: concurrent
 * batch calls on it are safe and give correct pixels and statuses, but the
 * parcrop_last_item_* results then describe whichever batch finished last. */
typedef struct parcrop_context parcrop_context;

/* Creates a context. options may be NULL for the defaults. On success *out_context
 * holds the new context; on failure it is set to NULL. */
PARCROP_API parcrop_status parcrop_context_create(const parcrop_options* options,
                                                  parcrop_context** out_context);

/* Frees a context; NULL is a no-op. No batch may be running on it. */
PARCROP_API void parcrop_context_destroy(parcrop_context* context);

/* Where an item's encoded image comes from. If data is non-NULL the image is the
 * size bytes at data, which must stay valid for the call; otherwise path names a
 * file (a NUL-terminated byte string, not interpreted as UTF-8). */
typedef struct parcrop_source {
    const char* path;
    const uint8_t* data;
    size_t size;
} parcrop_source;

/* A crop box in source pixels: the half-open rectangle [x0, x1) x [y0, y1), pixel
 * centres at +0.5, fractional coordinates allowed. It must be non-empty and lie
 * within the image, [0, width] x [0, height]. With PARCROP_FLAG_NORMALIZED_BOXES
 * the coordinates are fractions of the image's width and height instead. */
typedef struct parcrop_box {
    float x0, y0, x1, y1;
} parcrop_box;

/* Resampling filters. Smoothing filters are antialiased when shrinking: their
 * support widens with the scale factor, as Pillow's do. */
typedef enum parcrop_filter {
    PARCROP_FILTER_DEFAULT = 0,  /* bilinear */
    PARCROP_FILTER_NEAREST = 1,  /* output pixel o takes source floor(x0 + (o + 0.5) * scale) */
    PARCROP_FILTER_BILINEAR = 2, /* triangle kernel, support 1 */
    PARCROP_FILTER_BICUBIC = 3,  /* cubic convolution, a = -0.5, support 2 */
    PARCROP_FILTER_AREA = 4,     /* box kernel: the mean of the covered source area */
    PARCROP_FILTER_LANCZOS3 = 5  /* windowed sinc, support 3 */
} parcrop_filter;

/* How much the decoder may approximate to save time. */
typedef enum parcrop_decode_mode {
    /* FAST for the smoothing filters, EXACT for nearest. */
    PARCROP_DECODE_DEFAULT = 0,
    /* Full-resolution pixels: the crop equals the same region of a full decode by
     * the same decoder. */
    PARCROP_DECODE_EXACT = 1,
    /* Decoders may scale in the DCT domain (JPEG: 1/2, 1/4, 1/8) when the crop is
     * much larger than the output, keeping at least twice the output size. Pyramids
     * (TIFF) are read at the most reduced level whose downsample does not exceed the
     * crop's own scale, min(box width / out_width, box height / out_height), the rule
     * of OpenSlide and GDAL; JPEG tiles may then be DCT-scaled as above. Exact mode
     * reads level 0. */
    PARCROP_DECODE_FAST = 2
} parcrop_decode_mode;

/* Flags for parcrop_crop_params.flags. */
#define PARCROP_FLAG_NORMALIZED_BOXES 1u /* box coordinates are fractions of the image size */

/* Flips of an item's output, for parcrop_crop_params.flip and .item_flip. */
#define PARCROP_FLIP_HORIZONTAL 1u /* columns right to left: np.flip(crop, axis=1) */
#define PARCROP_FLIP_VERTICAL 2u   /* rows bottom to top: np.flip(crop, axis=0) */

/* What a box that reaches outside its image gives. Non-finite and empty boxes are
 * PARCROP_E_INVALID_BOX whatever the policy. */
typedef enum parcrop_out_of_bounds {
    /* PARCROP_E_INVALID_BOX, as before the policy existed. */
    PARCROP_OUT_OF_BOUNDS_ERROR = 0,
    /* The image is taken to be surrounded by parcrop_crop_params.fill: the crop is
     * Pillow's img.crop(box).resize(...) of an image padded with the fill, and a box
     * wholly outside gives the fill. */
    PARCROP_OUT_OF_BOUNDS_PAD = 1,
    /* The box is moved inside the image, keeping its size; on an axis where it is
     * larger than the image it becomes the image's whole side. */
    PARCROP_OUT_OF_BOUNDS_CLAMP = 2
} parcrop_out_of_bounds;

/* Whether boxes refer to the image as stored or as displayed (EXIF orientation). */
typedef enum parcrop_exif {
    /* Boxes, flips and glimpses are on the stored pixels, whatever the EXIF says. */
    PARCROP_EXIF_IGNORE = 0,
    /* Boxes (pixel or normalized), glimpses, out_of_bounds and flips are on the image
     * as displayed: the stored image turned by its EXIF orientation (JPEG APP1 Exif, PNG
     * eXIf; the orientation parcrop_probe reports, 1 for other formats and for absent or
     * malformed EXIF), as Pillow's ImageOps.exif_transpose turns it. In exact mode the
     * crop is the bytes of the same crop of the turned image. */
    PARCROP_EXIF_APPLY = 1
} parcrop_exif;

/* What a batch produces and where. Fill with parcrop_crop_params_init(), which sets
 * a 32x32 RGB output, the default filter and mode, packed strides. */
typedef struct parcrop_crop_params {
    size_t struct_size;         /* sizeof(parcrop_crop_params) */
    uint32_t out_height;        /* rows of each crop, 1..65535 [32] */
    uint32_t out_width;         /* columns of each crop, 1..65535 [32] */
    uint32_t out_channels;      /* 1, 3 or 4 [3] */
    parcrop_filter filter;      /* [PARCROP_FILTER_DEFAULT] */
    parcrop_decode_mode mode;   /* [PARCROP_DECODE_DEFAULT] */
    uint32_t flags;             /* PARCROP_FLAG_* [0] */
    size_t item_stride;         /* bytes from one crop to the next; 0 = packed [0] */
    size_t row_stride;          /* bytes from one row to the next; 0 = packed [0] */
    /* Added in 0.2; a struct of 0.1's size is accepted with these at their defaults. */
    uint32_t flip;              /* PARCROP_FLIP_* bits for every item [0] */
    const uint8_t* item_flip;   /* NULL, or one PARCROP_FLIP_* set per item, OR-ed with flip [NULL] */
    parcrop_out_of_bounds out_of_bounds; /* [PARCROP_OUT_OF_BOUNDS_ERROR] */
    uint8_t fill[4];            /* the padding's value of each output channel (first out_channels) [0] */
    parcrop_exif exif;          /* [PARCROP_EXIF_IGNORE] */
} parcrop_crop_params;

PARCROP_API void parcrop_crop_params_init(parcrop_crop_params* params);

/* Crops count items: item i is boxes[i] of sources[i], resized to the output size
 * and written at out + i * item_stride. item_status (count entries, caller-owned)
 * receives each item's status; a failed item's slot is zero-filled.
 *
 * Returns PARCROP_OK when every item succeeded, PARCROP_ITEMS_FAILED when some
 * failed, or an argument error (1xx) when the call itself is invalid, in which
 * case nothing is written. count 0 is valid and does nothing. Items that name the
 * same path or the same data pointer are decoded once. Thread-safe; see
 * parcrop_context. */
PARCROP_API parcrop_status parcrop_crop_batch(parcrop_context* context,
                                             const parcrop_source* sources,
                                             const parcrop_box* boxes, size_t count,
                                             const parcrop_crop_params* params, uint8_t* out,
                                             parcrop_status* item_status);

/* The crop rule of parallel_image_crop, a glimpse placed by fractions of the image:
 * for an image of width W and height H, all in float32,
 *   s = min(scale, max_img_percent), crop_w = max(2, floor(W * s)) (crop_h alike),
 *   x_px = min((uint32)(x * W), W - crop_w) (y_px alike),
 * with crop_w clamped to W for images narrower than 2 pixels. */
typedef struct parcrop_glimpse {
    float x;     /* left edge as a fraction of the width, [0, 1] */
    float y;     /* top edge as a fraction of the height, [0, 1] */
    float scale; /* side of the crop as a fraction of the image's side, > 0 */
} parcrop_glimpse;

/* The box that the rule above gives for an image of width x height pixels.
 * Returns PARCROP_E_INVALID_BOX for NaN, infinite or out-of-range x, y or scale,
 * PARCROP_E_NULL_ARGUMENT when box is NULL. */
PARCROP_API parcrop_status parcrop_glimpse_box(uint32_t width, uint32_t height,
                                               parcrop_glimpse glimpse, float max_img_percent,
                                               parcrop_box* box);

/* parcrop_crop_batch with boxes given by the glimpse rule of each image's size.
 * PARCROP_FLAG_NORMALIZED_BOXES is ignored here. */
PARCROP_API parcrop_status parcrop_crop_glimpses(parcrop_context* context,
                                                const parcrop_source* sources,
                                                const parcrop_glimpse* glimpses, size_t count,
                                                float max_img_percent,
                                                const parcrop_crop_params* params, uint8_t* out,
                                                parcrop_status* item_status);

/* Results of the last batch that finished on this context (including the calls of
 * parallel_crop_and_resize): its item count, and each item's status and message.
 * The message says what failed and where ("open: No such file or directory"); it
 * is "" for a successful item and stays valid until the next batch on the context
 * finishes. Out-of-range indices give PARCROP_E_INVALID_OPTION and "". */
PARCROP_API size_t parcrop_last_batch_size(const parcrop_context* context);
PARCROP_API parcrop_status parcrop_last_item_status(const parcrop_context* context, size_t index);
PARCROP_API const char* parcrop_last_item_message(const parcrop_context* context, size_t index);

/* ---------------------------------------------------------------------------------
 * Image information without decoding.
 * ------------------------------------------------------------------------------- */

/* An image's encoded format, recognised from its first bytes (never its file name). */
typedef enum parcrop_format {
    PARCROP_FORMAT_UNKNOWN = 0, /* not recognised, or the item failed */
    PARCROP_FORMAT_JPEG = 1,
    PARCROP_FORMAT_PNG = 2,
    PARCROP_FORMAT_BMP = 3,
    PARCROP_FORMAT_GIF = 4,
    PARCROP_FORMAT_TGA = 5,
    PARCROP_FORMAT_HDR = 6, /* Radiance RGBE */
    PARCROP_FORMAT_PSD = 7,
    PARCROP_FORMAT_PNM = 8, /* binary PGM (P5) and PPM (P6) */
    PARCROP_FORMAT_WEBP = 9, /* still images: lossy, lossless, with alpha */
    PARCROP_FORMAT_TIFF = 10 /* TIFF and BigTIFF: tiled or stripped, pyramids */
} parcrop_format;

/* A static, lowercase name of a format ("jpeg", "png", ..., "unknown" for any other
 * value); never NULL. Thread-safe. */
PARCROP_API const char* parcrop_format_name(parcrop_format format);

/* Flags for parcrop_image_info.flags. */
#define PARCROP_INFO_PROGRESSIVE 1u    /* JPEG with progressive scans (SOF2, SOF10) */
#define PARCROP_INFO_INTERLACED 2u     /* PNG Adam7, or a GIF whose first frame is interlaced */
#define PARCROP_INFO_HAS_ALPHA 4u      /* an alpha channel, or transparency (PNG tRNS, GIF) */
#define PARCROP_INFO_EXIF_MALFORMED 8u /* an EXIF block that cannot be read; orientation is 1 */

/* One resolution level of an image. Boxes are always in level 0's pixels; a level's
 * downsample is its size relative to level 0's, averaged over both axes as OpenSlide
 * does (level 0: 1). */
#define PARCROP_MAX_LEVELS 16
typedef struct parcrop_level {
    uint32_t width;
    uint32_t height;
    double downsample;
} parcrop_level;

/* What parcrop_probe tells of one image. Fill the first element of an array with
 * parcrop_image_info_init(); parcrop_probe writes every field of every element. A
 * failed item's element is zero but for struct_size. */
typedef struct parcrop_image_info {
    size_t struct_size;        /* sizeof(parcrop_image_info), set by parcrop_image_info_init */
    uint32_t width;            /* columns as stored, before any orientation, pixels [0] */
    uint32_t height;           /* rows as stored, pixels [0] */
    /* The channels that keep everything the file stores: 1 gray, 2 gray+alpha, 3 RGB,
     * 4 RGBA [0]. Transparency (tRNS, a GIF's transparent index) counts as alpha;
     * palettes count as the colours they hold (BMP's gray palettes as gray); CMYK JPEG
     * as RGB, which it decodes to; HDR as RGB. */
    uint32_t channels;
    parcrop_format format;     /* [PARCROP_FORMAT_UNKNOWN] */
    /* EXIF orientation, 1..8 as EXIF defines it (1: rows top to bottom, columns left to
     * right; 6: the stored image must turn 90 degrees clockwise to display), from IFD0
     * of a JPEG's first APP1 "Exif" segment or a PNG's eXIf chunk before the image data.
     * 1 when absent or malformed (then PARCROP_INFO_EXIF_MALFORMED is set) [1 for
     * success, 0 for a failed item]. Crops are of the stored image
     * unless parcrop_crop_params.exif is PARCROP_EXIF_APPLY. */
    uint32_t exif_orientation;
    /* The displayed size: width and height swapped for orientations 5 to 8, else
     * equal to them [0]. */
    uint32_t display_width;
    uint32_t display_height;
    uint32_t flags;            /* PARCROP_INFO_* [0] */
    /* JPEG: MCUs per restart interval in effect at the first scan; 0 when the file has
     * no restart markers, and for other formats [0]. */
    uint32_t restart_interval;
    /* Added in 0.3 (a struct of 0.2's size, ending at restart_interval, is accepted and
     * filled that far). Resolution levels, largest first: a TIFF's pyramid (level 0 is
     * the image, width x height; the others are reduced copies from its IFD chain or
     * SubIFDs); one level for every other format [0 for a failed item]. At most
     * PARCROP_MAX_LEVELS are reported and used. */
    uint32_t level_count;
    parcrop_level levels[PARCROP_MAX_LEVELS];
    /* TIFF: level 0's tile size; for a stripped file its width and rows per strip
     * [0 for other formats]. */
    uint32_t tile_width;
    uint32_t tile_height;
    /* TIFF: level 0's Compression value (1 none, 5 LZW, 7 JPEG, 8 or 32946 Deflate,
     * 50000 ZSTD, 50001 WebP) [0 for other formats]. */
    uint32_t compression;
    /* Microns per pixel of level 0, from Aperio's "MPP = " or from XResolution and
     * YResolution in pixels per centimetre or inch; 0 when the file does not say [0]. */
    double microns_per_pixel_x;
    double microns_per_pixel_y;
} parcrop_image_info;

PARCROP_API void parcrop_image_info_init(parcrop_image_info* info);

/* Reads what count images are (size, channels, format, EXIF orientation, flags) from
 * their headers, without decoding pixels; item i's result goes to out_info[i] and its
 * status to item_status[i]. A file is never read whole: the first 64 KiB are read,
 * and more only while its headers go on (large JPEG APPn segments, PNG chunks before
 * the image data), up to 16 MiB, past which the item fails with
 * PARCROP_E_UNSUPPORTED. Memory sources are read only as far as their headers.
 *
 * The context's limits apply: max_file_size (to the file's size), max_width,
 * max_height and max_pixels (to the stored size) fail an item with their 3xx status;
 * for a TIFF, only max_tiled_image_side (to each level), and its directories are read
 * where they lie, however far into the file.
 * Truncated headers give PARCROP_E_TRUNCATED, malformed ones PARCROP_E_CORRUPT, frames
 * the decoders cannot read PARCROP_E_UNSUPPORTED. Malformed EXIF never fails an item:
 * it gives orientation 1, PARCROP_INFO_EXIF_MALFORMED, and a message saying why,
 * readable with parcrop_last_item_message (the one case of an OK item with a message).
 *
 * out_info[0].struct_size must be sizeof(parcrop_image_info), else
 * PARCROP_E_STRUCT_SIZE. Returns PARCROP_OK, PARCROP_ITEMS_FAILED or an argument error
 * (1xx; nothing is written), as parcrop_crop_batch does; count 0 is valid. The items
 * run in parallel on the context's threads. Thread-safe; see parcrop_context. */
PARCROP_API parcrop_status parcrop_probe(parcrop_context* context, const parcrop_source* sources,
                                         size_t count, parcrop_image_info* out_info,
                                         parcrop_status* item_status);

/* ---------------------------------------------------------------------------------
 * The Rust-compatible entry points (parallel_image_crop), unchanged signatures.
 * ------------------------------------------------------------------------------- */

/* A context with default limits and num_threads workers (0 = all cores). use_vips
 * selects Lanczos-3 resampling (what the original got from libvips); false selects
 * nearest neighbour on full-resolution pixels, byte-identical to the original on
 * lossless formats. Returns NULL only when memory runs out. */
PARCROP_API void* initialize(uint64_t num_threads, bool use_vips);

/* parcrop_context_destroy under the original's name. */
PARCROP_API void destroy(void* handle);

/* Crops n glimpses (the rule of parcrop_glimpse) to window_size x window_size with
 * chans channels into out, [n, window_size, window_size, chans]. Where the original
 * panicked (a missing or corrupt file, x or y outside [0, 1], a channel mismatch),
 * this converts channels or zero-fills the item's slot and records its status,
 * readable with parcrop_last_item_status(handle, i). */
PARCROP_API void parallel_crop_and_resize(void* handle, char** paths, uint8_t* out,
                                          float* scale, float* x, float* y, uint32_t window_size,
                                          uint32_t chans, float max_img_percent, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* PARCROP_H */
