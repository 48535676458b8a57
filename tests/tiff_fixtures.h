// TIFF and BigTIFF test files written byte by byte, independently of parcrop's parser
// and of libtiff: either byte order, tiled or stripped, 1 to 4 samples of 8 bits,
// uncompressed, Deflate (zlib, optionally with horizontal differencing) or JPEG tiles
// (libjpeg; whole streams, or abbreviated ones beside a JPEGTables stream), reduced
// levels in the IFD chain or as SubIFDs of IFD0, a stripped "label" directory,
// resolution tags and an Aperio-like ImageDescription. The pixels come from the
// caller's arrays, so that lossless crops are checked against the source itself; for
// JPEG, jpeg_reference() decodes the written tile streams with libjpeg alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "image_fixtures.h"

namespace parcrop_test {

namespace tiff_tag {
constexpr uint16_t new_subfile_type = 254, image_width = 256, image_length = 257, bits_per_sample = 258,
                   compression = 259, photometric = 262, image_description = 270, strip_offsets = 273,
                   samples_per_pixel = 277, rows_per_strip = 278, strip_byte_counts = 279, x_resolution = 282,
                   y_resolution = 283, planar_configuration = 284, resolution_unit = 296, predictor = 317,
                   tile_width = 322, tile_length = 323, tile_offsets = 324, tile_byte_counts = 325, sub_ifds = 330,
                   extra_samples = 338, jpeg_tables = 347, ycbcr_subsampling = 530;
}  // namespace tiff_tag

struct TiffLevelSpec {
    Pixels pixels;                 // the level's pixels, 1 to 4 channels
    bool tiled = true;
    uint32_t tile_width = 16, tile_height = 16;  // tiled: multiples of 16
    uint32_t rows_per_strip = 0;                 // stripped: 0 is one strip for the image
    uint16_t compression = 1;      // 1 none, 8 Deflate, 7 JPEG
    bool predictor = false;        // Deflate with predictor 2
    // JPEG: abbreviated tile streams beside a JPEGTables stream (else whole streams);
    // YCbCr (photometric 6, 4:2:0) or RGB components (photometric 2, 4:4:4).
    bool jpeg_tables = true;
    bool jpeg_ycbcr = true;
    int jpeg_quality = 85;
};

struct TiffSpec {
    bool big_endian = false;
    bool bigtiff = false;
    // levels[0] is the image; the others are written as reduced copies (NewSubfileType 1).
    std::vector<TiffLevelSpec> levels;
    bool reduced_as_sub_ifds = false;  // the reduced levels as SubIFDs of IFD0, else chained
    // An extra stripped, uncompressed directory at the end of the chain, of another
    // aspect ratio, marked NewSubfileType 0 as Aperio marks its label and macro images.
    bool label = false;
    // XResolution / YResolution (pixels per unit) and ResolutionUnit (2 inch, 3 cm);
    // written when x_resolution > 0.
    uint32_t x_resolution = 0, y_resolution = 0;
    uint16_t resolution_unit = 0;
    std::string description;  // ImageDescription of IFD0, when not empty
    bool directories_first = false;  // directories right after the header, tiles after them
};

// Where things lie in a written file, for tests that damage it.
struct TiffLayout {
    struct Directory {
        uint64_t offset = 0;                    // of its entry count
        uint64_t next_field = 0;                // of its next-directory offset
        std::map<uint16_t, uint64_t> entries;   // tag -> offset of its 12- or 20-byte entry
    };
    std::vector<Directory> directories;  // level 0, then the reduced levels in spec order, then the label
    // Per level (spec order): the offset and size of every tile or strip, and where the
    // offsets and byte-counts arrays lie (0 when the array is inline in its entry).
    std::vector<std::vector<uint64_t>> tile_offsets, tile_sizes;
    std::vector<uint64_t> offsets_array, counts_array;
};

struct TiffFixture {
    std::vector<uint8_t> bytes;
    TiffLayout layout;
    std::vector<std::vector<uint8_t>> jpeg_tables;               // per level, empty when none
    std::vector<std::vector<std::vector<uint8_t>>> tile_streams;  // per level, the compressed tiles
};

TiffFixture write_tiff(const TiffSpec& spec);

// A level of half the size: each pixel the rounded mean of a 2x2 block (the last row
// or column of an odd side is dropped).
Pixels half_size(const Pixels& image);

// Level `level` as libjpeg alone decodes its tile streams (tables prepended to each
// abbreviated stream), cropped to the image: what a conforming reader gives.
Pixels jpeg_reference(const TiffFixture& fixture, const TiffSpec& spec, size_t level);

// Writes an unsigned value of `bytes` bytes at `offset` in the file's byte order.
void tiff_patch(std::vector<uint8_t>* bytes, bool big_endian, uint64_t offset, uint64_t value, uint32_t size);

}  // namespace parcrop_test
