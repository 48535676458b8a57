#include "decode/tiff/tiff_codecs.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>

namespace parcrop {
namespace {

Status codec_error(parcrop_status code, const char* codec, const std::string& why) {
    return Status(code, std::string("tiff ") + codec + ": " + why);
}

Status ends_early(const char* codec, const char* how, size_t produced, size_t wanted) {
    return codec_error(PARCROP_E_TRUNCATED, codec,
                       std::string(how) + " after " + std::to_string(produced) + " of the " + std::to_string(wanted) +
                           " bytes needed");
}

// ----- LZW (TIFF 6.0, section 13, as libtiff's tif_lzw.c reads it) -----

constexpr uint32_t kLzwClear = 256;
constexpr uint32_t kLzwEnd = 257;
constexpr uint32_t kLzwFirstFree = 258;
constexpr unsigned kLzwMinBits = 9;
constexpr unsigned kLzwMaxBits = 12;
constexpr uint32_t kLzwCodes = 1u << kLzwMaxBits;
// An encoder that never sends a clear keeps adding entries past 4095. No 12-bit code
// can name them, so libtiff just counts them, up to its table's size (CSIZE, 4095 + 1024),
// and calls the stream corrupt only there. Files from such encoders exist and libtiff
// reads them, so parcrop does the same.
constexpr uint32_t kLzwLibtiffTableEnd = (kLzwCodes - 1) + 1024;

inline uint64_t load_be64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return __builtin_bswap64(v);
}

// Every string in the table is a copy of earlier output (the previous code's string plus
// the first byte of the code after it, which the output holds right behind it). So an
// entry is just where that string starts in `out` and its length, and emitting a code is
// an LZ77-style copy: no chain walk, no per-code bookkeeping beyond two numbers.
// Offset is uint32_t whenever the output fits, halving the table (it should stay in L1).
template <typename Offset>
struct LzwEntry {
    Offset offset;
    uint32_t length;
};

// Copies `length` bytes from `src` to `dst`, forward, byte by byte where they overlap
// (the KwKwK case reads the byte it has just written). `room` is what is left of the
// output at dst; length <= room.
inline void lzw_copy(uint8_t* dst, const uint8_t* src, size_t length, size_t room) {
    const size_t distance = static_cast<size_t>(dst - src);
    if (distance >= 8 && room - length >= 8) {
        // Whole 8-byte words, overrunning by up to 7 bytes that the next codes overwrite:
        // most strings are a handful of bytes and a word copy beats a byte loop.
        uint8_t* d = dst;
        const uint8_t* s = src;
        uint8_t* const stop = dst + length;
        do {
            std::memcpy(d, s, 8);
            d += 8;
            s += 8;
        } while (d < stop);
    } else if (distance >= length) {
        std::memcpy(dst, src, length);
    } else {
        for (size_t i = 0; i < length; ++i) dst[i] = src[i];
    }
}

template <typename Offset>
Status lzw_decode(ByteSpan in, uint8_t* out, size_t wanted) {
    const char* const kName = "lzw";
    LzwEntry<Offset> table[kLzwCodes];  // entries [258, next_code) are valid since the last clear

    const uint8_t* next = in.data;
    const uint8_t* const end = in.data + in.size;
    uint64_t bits = 0;   // unread bits, most significant first
    unsigned count = 0;  // how many of them are valid
    unsigned width = kLzwMinBits;
    uint32_t next_code = kLzwFirstFree;
    bool cleared = false;
    bool have_previous = false;  // false right after a clear: no entry to add yet
    Offset previous_offset = 0;
    uint32_t previous_length = 0;

    uint8_t* op = out;
    uint8_t* const out_end = out + wanted;
    for (;;) {
        if (count < width) {
            if (end - next >= 8) {
                // Tops the buffer up to 56..63 bits. The bits below the whole bytes taken
                // belong to the next byte and are ORed in again, identically, next time.
                bits |= load_be64(next) >> count;
                next += (63 - count) >> 3;
                count |= 56;
            } else {
                while (count <= 56 && next < end) {
                    bits |= uint64_t{*next++} << (56 - count);
                    count += 8;
                }
                if (count < width) return ends_early(kName, "data ends", static_cast<size_t>(op - out), wanted);
            }
        }
        const uint32_t code = static_cast<uint32_t>(bits >> (64 - width));
        bits <<= width;
        count -= width;

        if (code == kLzwClear) {
            width = kLzwMinBits;
            next_code = kLzwFirstFree;
            cleared = true;
            have_previous = false;
            continue;
        }
        if (code == kLzwEnd) {
            return ends_early(kName, "EndOfInformation", static_cast<size_t>(op - out), wanted);
        }
        const Offset position = static_cast<Offset>(op - out);
        if (!have_previous) {
            if (!cleared) return codec_error(PARCROP_E_CORRUPT, kName, "the stream does not start with a clear code");
            if (code > 255) {
                return codec_error(PARCROP_E_CORRUPT, kName,
                                   "code " + std::to_string(code) + " follows a clear code (a byte value must)");
            }
            *op++ = static_cast<uint8_t>(code);
            if (op == out_end) return Status::ok();
            previous_offset = position;
            previous_length = 1;
            have_previous = true;
            continue;
        }
        if (code > next_code) {
            return codec_error(PARCROP_E_CORRUPT, kName,
                               "code " + std::to_string(code) + " is past the table's next entry " +
                                   std::to_string(next_code));
        }
        if (next_code < kLzwCodes) {
            table[next_code] = LzwEntry<Offset>{previous_offset, previous_length + 1};
        } else if (next_code >= kLzwLibtiffTableEnd) {
            return codec_error(PARCROP_E_CORRUPT, kName, "the table overflows: no clear code for 1024 codes past 4095");
        }
        ++next_code;
        // TIFF's "early change": one code sooner than GIF, as libtiff writes and reads it.
        if (next_code >= (1u << width) - 1 && width < kLzwMaxBits) ++width;

        const size_t room = static_cast<size_t>(out_end - op);
        if (code < 256) {
            *op++ = static_cast<uint8_t>(code);
            if (op == out_end) return Status::ok();
            previous_length = 1;
        } else {
            const LzwEntry<Offset> entry = table[code];
            if (entry.length >= room) {
                lzw_copy(op, out + entry.offset, room, room);
                return Status::ok();
            }
            lzw_copy(op, out + entry.offset, entry.length, room);
            op += entry.length;
            previous_length = entry.length;
        }
        previous_offset = position;
    }
}

Status decompress_lzw(ByteSpan in, uint8_t* out, size_t wanted) {
    // Old-style LZW (libtiff before 5.0, and some other writers) packs codes least
    // significant bit first; its leading clear code then reads 0x00, then a byte with
    // its lowest bit set. libtiff recognises it the same way.
    if (in.size >= 2 && in.data[0] == 0 && (in.data[1] & 1) != 0) {
        return codec_error(PARCROP_E_UNSUPPORTED, "lzw", "old-style (LSB-first) LZW is not supported");
    }
    if (wanted <= UINT32_MAX) return lzw_decode<uint32_t>(in, out, wanted);
    return lzw_decode<uint64_t>(in, out, wanted);
}

// ----- Deflate (zlib-wrapped: Compression 8 and 32946) -----

std::string isal_error_text(int code) {
    switch (code) {
        case ISAL_INVALID_BLOCK: return "invalid deflate block";
        case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
        case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
        default: return "inflate error " + std::to_string(code);
    }
}

struct InflateStateDeleter {
    void operator()(inflate_state* state) const { delete state; }
};

// About 100 KiB (ISA-L's history and look-ahead buffers): allocated once per thread
// rather than once per tile.
inflate_state* thread_inflate_state() {
    thread_local std::unique_ptr<inflate_state, InflateStateDeleter> state;
    if (!state) state.reset(new (std::nothrow) inflate_state);
    return state.get();
}

Status decompress_deflate(ByteSpan in, uint8_t* out, size_t wanted) {
    const char* const kName = "deflate";
    // The zlib header is checked here and the deflate data inflated raw, so that ISA-L
    // does not compute the Adler-32 of output whose stream it will never reach the end of.
    if (in.size < 2) return ends_early(kName, "data ends", 0, wanted);
    const uint32_t cmf = in.data[0], flg = in.data[1];
    if ((cmf & 0x0f) != 8) return codec_error(PARCROP_E_CORRUPT, kName, "zlib method is not deflate");
    if ((cmf >> 4) > 7) return codec_error(PARCROP_E_CORRUPT, kName, "zlib window over 32 KiB");
    if ((cmf << 8 | flg) % 31 != 0) return codec_error(PARCROP_E_CORRUPT, kName, "zlib header check fails");
    if ((flg & 0x20) != 0) return codec_error(PARCROP_E_CORRUPT, kName, "zlib stream needs a preset dictionary");

    inflate_state* state = thread_inflate_state();
    if (state == nullptr) return codec_error(PARCROP_E_OUT_OF_MEMORY, kName, "no memory for the inflater");
    isal_inflate_init(state);
    state->crc_flag = ISAL_DEFLATE;
    state->next_in = const_cast<uint8_t*>(in.data + 2);
    state->avail_in = 0;

    const uint8_t* in_next = in.data + 2;
    size_t in_left = in.size - 2;
    uint8_t* op = out;
    size_t out_left = wanted;
    while (out_left > 0) {
        // ISA-L counts both sides in 32 bits.
        if (state->avail_in == 0 && in_left > 0) {
            const size_t step = std::min<size_t>(in_left, UINT32_MAX);
            state->next_in = const_cast<uint8_t*>(in_next);  // ISA-L does not write its input
            state->avail_in = static_cast<uint32_t>(step);
            in_next += step;
            in_left -= step;
        }
        const uint32_t input_before = state->avail_in;
        const uint32_t room = static_cast<uint32_t>(std::min<size_t>(out_left, UINT32_MAX));
        state->next_out = op;
        state->avail_out = room;
        const int result = isal_inflate(state);
        if (result != ISAL_DECOMP_OK) return codec_error(PARCROP_E_CORRUPT, kName, isal_error_text(result));
        const size_t produced = room - state->avail_out;
        op += produced;
        out_left -= produced;
        if (out_left == 0) break;
        if (state->block_state == ISAL_BLOCK_FINISH) {
            return ends_early(kName, "the stream ends", wanted - out_left, wanted);
        }
        if (produced == 0 && state->avail_in == input_before && in_left == 0) {
            return ends_early(kName, "data ends", wanted - out_left, wanted);
        }
    }
    // When the whole stream fitted, its checksum is at hand: check it, as zlib would.
    // (A decode that stopped early has nothing to compare with.) ISA-L reads ahead 8
    // bytes at a time: the whole bytes it holds unread came just before next_in.
    const size_t held = static_cast<size_t>(state->read_in_length > 0 ? state->read_in_length / 8 : 0);
    const size_t consumed = static_cast<size_t>(state->next_in - in.data);
    if (state->block_state == ISAL_BLOCK_FINISH && held + state->avail_in >= 4 && consumed >= 2 + held) {
        const uint8_t* trailer = state->next_in - held;
        const uint32_t stored = uint32_t{trailer[0]} << 24 | uint32_t{trailer[1]} << 16 | uint32_t{trailer[2]} << 8 |
                                uint32_t{trailer[3]};
        if (isal_adler32(1, out, wanted) != stored) {
            return codec_error(PARCROP_E_CORRUPT, kName, "Adler-32 of the data does not match the stream's");
        }
    }
    return Status::ok();
}

// ----- ZSTD (Compression 50000) -----

struct DctxDeleter {
    void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

ZSTD_DCtx* thread_zstd_context() {
    thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx;
    if (!dctx) dctx.reset(ZSTD_createDCtx());
    return dctx.get();
}

Status zstd_failure(size_t result, size_t produced, size_t wanted) {
    switch (ZSTD_getErrorCode(result)) {
        case ZSTD_error_srcSize_wrong: return ends_early("zstd", "data ends", produced, wanted);
        case ZSTD_error_memory_allocation: return codec_error(PARCROP_E_OUT_OF_MEMORY, "zstd", "no memory");
        case ZSTD_error_frameParameter_windowTooLarge:
            return codec_error(PARCROP_E_DECODE_MEMORY, "zstd", "the frame's window is over zstd's 128 MiB limit");
        default: return codec_error(PARCROP_E_CORRUPT, "zstd", ZSTD_getErrorName(result));
    }
}

Status decompress_zstd(ByteSpan in, uint8_t* out, size_t wanted) {
    const char* const kName = "zstd";
    ZSTD_DCtx* dctx = thread_zstd_context();
    if (dctx == nullptr) return codec_error(PARCROP_E_OUT_OF_MEMORY, kName, "no memory for the decoder");
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);

    // A frame that says it fits is decoded in one call straight into `out`. Streaming
    // would first allocate the frame's whole window (megabytes, per thread, for the
    // window sizes of compression levels 3 to 19) and copy every byte through it.
    const unsigned long long content = ZSTD_getFrameContentSize(in.data, in.size);
    if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR && content <= wanted) {
        const size_t result = ZSTD_decompressDCtx(dctx, out, wanted, in.data, in.size);
        if (!ZSTD_isError(result)) {
            if (result == wanted) return Status::ok();
            return ends_early(kName, "the frames end", result, wanted);
        }
        // More frames behind the first, and more bytes in them than wanted: stream.
        if (ZSTD_getErrorCode(result) != ZSTD_error_dstSize_tooSmall) return zstd_failure(result, 0, wanted);
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    }

    ZSTD_inBuffer input{in.data, in.size, 0};
    ZSTD_outBuffer output{out, wanted, 0};
    while (output.pos < wanted) {
        const size_t in_before = input.pos, out_before = output.pos;
        const size_t result = ZSTD_decompressStream(dctx, &output, &input);
        if (ZSTD_isError(result)) return zstd_failure(result, output.pos, wanted);
        if (output.pos == wanted) break;
        if (result == 0 && input.pos == input.size) return ends_early(kName, "the frames end", output.pos, wanted);
        if (input.pos == in_before && output.pos == out_before) {
            return ends_early(kName, "data ends", output.pos, wanted);
        }
    }
    return Status::ok();
}

// ----- the horizontal predictor -----

// The running sums live in registers: a loop that reads back the byte it stored one
// pixel earlier waits on store-to-load forwarding for every byte.
template <uint32_t kSamples>
void undo_predictor_rows(uint8_t* rows, size_t row_count, size_t row_bytes) {
    for (size_t r = 0; r < row_count; ++r) {
        uint8_t* row = rows + r * row_bytes;
        uint8_t sum[kSamples];
        for (uint32_t s = 0; s < kSamples; ++s) sum[s] = row[s];
        size_t i = kSamples;
        for (; i + kSamples <= row_bytes; i += kSamples) {
            for (uint32_t s = 0; s < kSamples; ++s) {
                sum[s] = static_cast<uint8_t>(sum[s] + row[i + s]);
                row[i + s] = sum[s];
            }
        }
        for (uint32_t s = 0; i < row_bytes; ++i, ++s) row[i] = static_cast<uint8_t>(sum[s] + row[i]);
    }
}

}  // namespace

Status decompress_tiff_bytes(TiffCompression compression, ByteSpan compressed, uint8_t* out, size_t wanted) {
    switch (compression) {
        case TiffCompression::none:
            if (compressed.size < wanted) return ends_early("none", "data ends", compressed.size, wanted);
            if (wanted > 0) std::memcpy(out, compressed.data, wanted);
            return Status::ok();
        case TiffCompression::lzw:
            if (wanted == 0) return Status::ok();
            return decompress_lzw(compressed, out, wanted);
        case TiffCompression::deflate:
        case TiffCompression::adobe_deflate:
            if (wanted == 0) return Status::ok();
            return decompress_deflate(compressed, out, wanted);
        case TiffCompression::zstd:
            if (wanted == 0) return Status::ok();
            return decompress_zstd(compressed, out, wanted);
        case TiffCompression::jpeg:
        case TiffCompression::webp:
            break;
    }
    return Status(PARCROP_E_INTERNAL, "tiff: compression " + std::to_string(static_cast<unsigned>(compression)) +
                                          " is not a byte codec of decompress_tiff_bytes");
}

void undo_horizontal_predictor(uint8_t* rows, size_t row_count, size_t row_bytes, uint32_t samples) {
    if (row_bytes <= samples || samples == 0) return;
    switch (samples) {
        case 1: undo_predictor_rows<1>(rows, row_count, row_bytes); return;
        case 2: undo_predictor_rows<2>(rows, row_count, row_bytes); return;
        case 3: undo_predictor_rows<3>(rows, row_count, row_bytes); return;
        case 4: undo_predictor_rows<4>(rows, row_count, row_bytes); return;
        default:
            for (size_t r = 0; r < row_count; ++r) {
                uint8_t* row = rows + r * row_bytes;
                for (size_t i = samples; i < row_bytes; ++i) row[i] = static_cast<uint8_t>(row[i] + row[i - samples]);
            }
    }
}

}  // namespace parcrop
