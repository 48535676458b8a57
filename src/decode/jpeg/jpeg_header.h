// A JPEG's headers up to its first scan, walked marker by marker without libjpeg: the
// frame (SOFn), the restart interval (DRI) and where the EXIF block lies (APP1), and on
// request the Huffman tables (DHT) and the first scan's header (SOS). Reads
// nothing past the first SOS, so a caller holding only a file's first bytes can tell
// whether they suffice, and how many more are needed when they do not.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

struct JpegHeader {
    uint32_t width = 0, height = 0;
    uint32_t components = 0;      // Nf of the frame: 1 gray, 3 YCbCr or RGB, 4 CMYK or YCCK
    uint32_t precision = 0;       // bits per sample
    uint8_t frame_marker = 0;     // 0xC0..0xCF, the SOFn that describes the frame
    bool progressive = false;     // SOF2, SOF6, SOF10, SOF14
    bool arithmetic = false;      // SOF9 and up
    uint32_t restart_interval = 0;  // MCUs, from the last DRI before the first scan; 0 = none
    ByteSpan exif;                // the first APP1 "Exif\0\0" payload after those 6 bytes
};

// What the entropy-coded data of the first scan needs for decoding without libjpeg
// (jpeg_index.cpp's own Huffman pass): the frame's components, the tables, the scan.
struct JpegHuffmanTable {
    bool defined = false;
    uint8_t counts[17] = {};    // counts[l]: codes of length l, 1..16
    uint8_t symbols[256] = {};  // in code order; as many as the counts add up to
};

struct JpegFrameComponent {
    uint8_t id = 0, h = 0, v = 0;
};

struct JpegScanComponent {
    uint8_t frame_index = 0;  // into JpegScanSetup::components
    uint8_t dc_table = 0, ac_table = 0;
};

struct JpegScanSetup {
    JpegFrameComponent components[4];
    JpegScanComponent scan[4];
    uint32_t scan_components = 0;  // Ns of the first SOS
    uint32_t ss = 0, se = 0, ah = 0, al = 0;
    JpegHuffmanTable dc[4], ac[4];  // as defined by DHT segments before the first SOS
    size_t sof_offset = 0;          // the SOF marker's 0xFF
    size_t sos_offset = 0;          // the SOS marker's 0xFF
    size_t scan_data_offset = 0;    // the first byte of entropy-coded data
};

// Parses from SOI to the first SOS. PARCROP_E_TRUNCATED when `data` ends first; then
// *needed (if not null) is the length of data the walk needs to go on, or 0 when it
// cannot tell (garbage between markers). PARCROP_E_CORRUPT for a structure libjpeg
// refuses (no SOI, a scan before the frame, two frames, bad lengths),
// PARCROP_E_UNSUPPORTED for frames libjpeg-turbo 2.1 cannot decode (lossless,
// hierarchical, not 8-bit, 2 or over 4 components, a height left to DNL).
Status read_jpeg_header(ByteSpan data, JpegHeader* header, uint64_t* needed);

// The same walk, also filling *setup: needs every byte up to the first scan's data.
// PARCROP_E_CORRUPT also for Huffman tables libjpeg refuses (over 256 symbols, codes
// that overflow their length), and for an SOS that names components the frame lacks.
Status read_jpeg_scan_setup(ByteSpan data, JpegHeader* header, JpegScanSetup* setup);

}  // namespace parcrop
