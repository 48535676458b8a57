// The libjpeg layer of parcrop-prepare: inspect a JPEG's header, rewrite its
// coefficients losslessly with a restart interval, and compare the pixels of two JPEGs.
//
// Every function here runs its libjpeg calls inside one setjmp-guarded function whose
// frame holds no C++ object with a destructor, so a libjpeg error (reported by
// longjmp) skips no cleanup and no exception ever crosses a libjpeg frame. Inputs are
// in-memory byte ranges; each call owns its libjpeg objects, so calls are thread-safe
// as long as different threads pass different buffers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parcrop_prepare {

// Why a libjpeg call did not succeed.
enum class JpegError : int {
    ok = 0,
    corrupt = 1,      // invalid or damaged data (bad Huffman code, bad markers, ...)
    truncated = 2,    // the data ends before the image does
    unsupported = 3,  // a valid JPEG this tool does not handle (12-bit, lossless, ...)
    no_memory = 4,    // libjpeg could not allocate (or hit the memory cap)
    interrupted = 5,  // the cancel flag was raised while working
    mismatch = 6,     // pj_compare: the two images decode to different pixels
};

struct JpegStatus {
    JpegError code = JpegError::ok;
    char message[200] = {0};  // libjpeg's message, or ours; empty when ok
};

// What jpeg_read_header tells about a file.
struct JpegInfo {
    uint32_t width = 0;
    uint32_t height = 0;
    int components = 0;
    int precision = 0;         // bits per sample (8 for everything this tool rewrites)
    bool progressive = false;
    bool arithmetic = false;
    int comps_in_first_scan = 0;  // < components: a multi-scan (non-interleaved) file
    uint32_t restart_interval = 0;  // in MCUs; 0 = no restart markers
    // Geometry of a single interleaved sequential scan, which is what the rewrite
    // writes: the MCU is 8 pixels wide for one component and 8 * max_h_samp_factor
    // pixels wide otherwise.
    uint32_t mcu_width = 0;
    uint32_t mcus_per_row = 0;
};

// Reads the header (up to the first scan). Never throws.
JpegStatus inspect_jpeg(const uint8_t* data, size_t size, JpegInfo* info);

// The result of rewrite_jpeg. `data` is malloc'd; free it with std::free.
struct RewriteOutput {
    unsigned char* data = nullptr;
    unsigned long size = 0;
    size_t trailing_bytes = 0;         // bytes after the EOI marker of the input (dropped)
    bool trailing_is_padding = true;   // every trailing byte is 0x00 or 0xFF
};

// Copies the DCT coefficients of `data` into a new baseline (sequential, Huffman,
// optimized tables, one interleaved scan) JPEG with `restart_interval` MCUs per restart
// interval, and copies every APPn and COM marker verbatim and in order. Warnings that
// mean the input is damaged are errors. `cancel` may be null.
JpegStatus rewrite_jpeg(const uint8_t* data, size_t size, uint32_t restart_interval,
                        const std::atomic<bool>* cancel, RewriteOutput* out);

// Decodes both images fully with the same libjpeg settings (islow DCT, default colour
// conversion and upsampling) and compares every output row. ok means identical size,
// components and pixels; mismatch says where they first differ.
JpegStatus compare_jpeg_pixels(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                               const std::atomic<bool>* cancel);

}  // namespace parcrop_prepare
