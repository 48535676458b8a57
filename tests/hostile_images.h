// Small files built to hurt a decoder: headers that claim far more pixels than the
// data holds, run-length data that never advances, palettes that do not cover their
// indices, progressive JPEGs with hundreds of scans. Shared by the bomb test, the fuzz
// seed corpus and the crashers, so every class of past defect is covered in all three.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parcrop_test {

using Bytes = std::vector<uint8_t>;

struct HostileFile {
    std::string name;
    Bytes bytes;
};

// For every format and layout, a file of at most a few hundred bytes whose header
// claims width x height, followed by the start of valid data.
std::vector<HostileFile> files_claiming(uint32_t width, uint32_t height);

// Radiance HDR with new-style run-length rows (width >= 8): a component run count of 0
// at the end of the data, and data that ends inside a literal run. stb_image 2.27 loops
// forever on both: past the end it reads zeros, and a count of 0 never advances.
Bytes hdr_rle_zero_count(uint32_t width);
Bytes hdr_rle_cut_inside_run(uint32_t width);

// An 8-bit palette BMP (width x height, indices 0, 1, 2, ... wrapping at 256) with
// `palette_entries` colours, or with its pixel data starting at `data_offset` when that
// is non-zero (an offset inside the headers gives a negative palette size to stb).
Bytes bmp_palette_indices(uint32_t width, uint32_t height, uint32_t palette_entries, uint32_t data_offset = 0);

// A gray progressive JPEG of one flat colour whose scan script refines every AC
// coefficient alone, bit by bit: scans x blocks grows without the file growing.
Bytes progressive_jpeg_many_scans(uint32_t width, uint32_t height);

}  // namespace parcrop_test
