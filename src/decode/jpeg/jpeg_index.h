// Random access into baseline JPEGs that have no restart markers: an index of the
// entropy decoder's state (where the next bit is, and each component's DC predictor)
// at the start of every MCU row and every K MCUs inside it. A crop then copies, for
// each MCU row it needs, the bits from the checkpoint at or left of its first column
// to the end of its last, with the first MCUs' DC differences rewritten so the copied
// row starts from the predictors the decoder would have had: a small JPEG of just the
// crop, which libjpeg decodes as jpeg_restart.cpp's sub-images are decoded. Huffman
// decoding of the rows above and beside the crop, the floor of a region decode, is
// paid once, when the index is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/decoder.h"
#include "decode/jpeg/jpeg_restart.h"

namespace parcrop {

// Checkpoints every this many MCUs unless the caller asks otherwise: 128 pixels for
// 16-pixel MCUs, 64 for 8-pixel ones. A crop decodes at most K - 1 MCUs left of its
// margin and Huffman-skips at most K - 1 more per row; the index stays near 1% of the
// file for photographs (see the report in the commit that set it).
uint32_t default_mcus_per_checkpoint(uint32_t mcu_width);

struct JpegEntropyIndex {
    // What the index was built from, checked against the file at every use: a file
    // that differs in any of these, or in the fingerprint, is not read with it.
    uint64_t file_size = 0;
    uint64_t scan_data_offset = 0;  // first byte of entropy-coded data
    uint64_t fingerprint = 0;       // of the bytes before the scan data and the file's last bytes
    uint32_t width = 0, height = 0;
    uint32_t components = 0;        // in scan order, as below
    uint8_t component_ids[4] = {};
    uint8_t sampling[4] = {};       // h << 4 | v
    uint32_t mcu_width = 0, mcu_height = 0;  // pixels
    uint32_t mcus_per_row = 0, mcu_rows = 0;
    uint32_t mcus_per_checkpoint = 0;        // K
    uint32_t checkpoints_per_row = 0;        // ceil(mcus_per_row / K)
    // Checkpoint (row r, column c * K) is entry r * checkpoints_per_row + c. A position is
    // byte offset * 8 + bit (0 the most significant) of the next bit, the offset counting
    // stuffed 0x00 bytes as the file stores them.
    std::vector<uint64_t> positions;
    std::vector<int32_t> predictors;  // `components` per checkpoint, the DC before that MCU
    uint64_t end_position = 0;        // after the last MCU

    // Delta-coded varints behind a versioned header with the geometry, closed by a checksum.
    std::vector<uint8_t> serialize() const;
};

// One pass of Huffman decoding (DC differences decoded, AC coefficients skipped by their
// run/size codes) over a single-scan Huffman JPEG of 8-bit samples (SOF0, SOF1) without
// restart markers. mcus_per_checkpoint 0 means default_mcus_per_checkpoint.
// PARCROP_E_UNSUPPORTED for progressive, arithmetic, multi-scan files, restart markers
// (jpeg_restart.cpp serves those), tables the scan names but the file lacks;
// PARCROP_E_CORRUPT or PARCROP_E_TRUNCATED where libjpeg would fail or warn.
Status build_jpeg_entropy_index(ByteSpan jpeg, uint32_t mcus_per_checkpoint, JpegEntropyIndex* index);

// PARCROP_E_CORRUPT for any bytes that are not a whole, consistent index; never reads
// outside `bytes`, never allocates more than a small multiple of bytes.size.
Status deserialize(ByteSpan bytes, JpegEntropyIndex* index);

// A JPEG of the MCUs covering [x0, x1) x [y0, y1), widened on the left to a checkpoint
// at or before x0's MCU column (SubImage.x0 says where it starts). The blocks of the MCUs
// covering the box decode to the file's samples; those left of x0's MCU column carry DC
// values changed to restore the predictors, so their samples are not the file's, and the
// margin that chroma upsampling needs is the caller's to include in the box, as for
// extract_sub_image. PARCROP_E_UNSUPPORTED when the file's DC table lacks the codes to
// restore the predictors even from two checkpoints further left (optimised tables hold
// only the categories the encoder used): the caller then takes the region path.
// PARCROP_E_CORRUPT when the index does not belong to this file or does not fit it;
// PARCROP_E_INVALID_BOX for an empty box or one outside the image.
Status extract_indexed_sub_image(ByteSpan jpeg, const JpegEntropyIndex& index, uint32_t x0, uint32_t x1,
                                 uint32_t y0, uint32_t y1, SubImage* out);

// The request decoded through the index, as JpegDecoder's restart path decodes through
// restart markers: one MCU of margin on every side, the sub-image decoded by libjpeg,
// its rows moved to where they lie in the whole image. A status from the extraction
// (the index does not fit, the tables lack a code) comes before any row is delivered:
// the region path is then to be used; one from decoding is the file's data's.
Status decode_region_through_index(ByteSpan jpeg, const JpegEntropyIndex& index, const DecodeRequest& request,
                                   RowSink& sink, const Limits& limits);

}  // namespace parcrop
