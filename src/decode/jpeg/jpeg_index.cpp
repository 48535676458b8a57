#include "decode/jpeg/jpeg_index.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "decode/jpeg/jpeg_decoder.h"
#include "decode/jpeg/jpeg_header.h"

namespace parcrop {
namespace {

constexpr uint8_t kMagic[4] = {'P', 'C', 'J', 'X'};
constexpr uint8_t kFormatVersion = 1;
// The file's last bytes enter the fingerprint: an appended or rewritten tail (the usual
// edits that keep the headers) changes them, and reading them costs nothing.
constexpr size_t kTailBytes = 64;
constexpr int kLookBits = 10;
// How many checkpoints further left a crop may start when the nearest cannot restore the
// predictors: each gives K more MCUs to spread the step over (see extract_from).
constexpr uint32_t kMaxCheckpointsBack = 2;

Status corrupt(const std::string& what) { return Status(PARCROP_E_CORRUPT, "jpeg index: " + what); }
Status unsupported(const std::string& what) { return Status(PARCROP_E_UNSUPPORTED, "jpeg index: " + what); }

uint64_t fnv1a(const uint8_t* data, size_t size, uint64_t hash = 0xcbf29ce484222325ull) {
    for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3ull;
    return hash;
}

uint64_t fingerprint_of(ByteSpan jpeg, size_t scan_data_offset) {
    const size_t tail = std::min(kTailBytes, jpeg.size);
    uint64_t hash = fnv1a(jpeg.data, scan_data_offset);
    return fnv1a(jpeg.data + jpeg.size - tail, tail, hash);
}

uint32_t ceil_div(uint32_t a, uint32_t b) { return static_cast<uint32_t>((uint64_t{a} + b - 1) / b); }

// A table as the pass needs it: a 10-bit lookup for the short codes that almost every
// symbol has, libjpeg's maxcode walk for the rest, and for AC tables what skipping the
// coefficient takes (code and value bits, and how far the zig-zag index moves), so that
// skipping costs one lookup per non-zero coefficient.
struct Huffman {
    uint16_t fast[1 << kLookBits];  // length << 8 | symbol; 0: longer code
    uint16_t skip[1 << kLookBits];  // (length + value bits) << 8 | advance; 0: longer code
    int32_t maxcode[18];            // largest code of each length, -1 if none
    int32_t offset[17];             // symbol index of code c of length l: offset[l] + c
    uint8_t symbols[256];
    uint16_t code_of[256];          // for writing: a code of each symbol, if has[symbol]
    uint8_t length_of[256];
    bool has[256];
};

void build_huffman(const JpegHuffmanTable& table, Huffman* h) {
    std::memset(h->fast, 0, sizeof h->fast);
    std::memset(h->skip, 0, sizeof h->skip);
    std::memset(h->has, 0, sizeof h->has);
    std::memcpy(h->symbols, table.symbols, sizeof h->symbols);
    uint32_t code = 0, k = 0;
    for (int l = 1; l <= 16; ++l) {
        h->offset[l] = static_cast<int32_t>(k) - static_cast<int32_t>(code);
        for (uint32_t i = 0; i < table.counts[l]; ++i, ++k, ++code) {
            const uint8_t symbol = table.symbols[k];
            if (!h->has[symbol]) {
                h->has[symbol] = true;
                h->code_of[symbol] = static_cast<uint16_t>(code);
                h->length_of[symbol] = static_cast<uint8_t>(l);
            }
            if (l <= kLookBits) {
                const uint32_t first = code << (kLookBits - l), count = 1u << (kLookBits - l);
                const uint32_t size = symbol & 15u, run = symbol >> 4;
                // A size-0 symbol other than ZRL ends the block, as in libjpeg.
                const uint32_t advance = size != 0 ? run + 1 : run == 15 ? 16 : 64;
                for (uint32_t j = 0; j < count; ++j) {
                    h->fast[first + j] = static_cast<uint16_t>(l << 8 | symbol);
                    h->skip[first + j] = static_cast<uint16_t>((l + size) << 8 | advance);
                }
            }
        }
        h->maxcode[l] = table.counts[l] != 0 ? static_cast<int32_t>(code) - 1 : -1;
        code <<= 1;
    }
    h->maxcode[17] = 0x7fffffff;
}

// Several AC symbols per lookup, for the index pass, whose speed is its point: an entry
// of the 13-bit table says how many bits all the whole symbols (code and value bits) in
// those bits take, how far they move the zig-zag index, and whether they end the block.
// A single symbol longer than the window is an entry too (its bits are consumed
// unseen); kMultiLong means a code longer than 13 bits. Several symbols are only taken while the
// block surely goes on after all but the last (k + advance < 64); else one at a time.
constexpr int kMultiBits = 13;
constexpr uint16_t kMultiEob = 1u << 14, kMultiSeveral = 1u << 15;
constexpr uint16_t kMultiLong = kMultiSeveral | 127u << 5;  // a code longer than the window

struct MultiTable {
    uint16_t entry[1 << kMultiBits];
};

void fill_multi(const JpegHuffmanTable& table, MultiTable* multi, uint32_t base, int used,
                uint32_t advance, int symbols) {
    const uint32_t span = 1u << (kMultiBits - used);
    const uint16_t here = symbols == 0 ? kMultiLong
                          : static_cast<uint16_t>(used | advance << 5 | (symbols > 1 ? kMultiSeveral : 0));
    for (uint32_t i = 0; i < span; ++i) multi->entry[base + i] = here;
    if (used == kMultiBits) return;
    uint32_t code = 0, k = 0;
    for (int l = 1; l <= kMultiBits - used; ++l) {
        for (uint32_t n = 0; n < table.counts[l]; ++n, ++k, ++code) {
            const uint32_t symbol = table.symbols[k], size = symbol & 15u, run = symbol >> 4;
            const uint32_t first = base + (code << (kMultiBits - used - l)), count = 1u << (kMultiBits - used - l);
            const bool eob = size == 0 && run != 15;
            const uint32_t step = size != 0 ? run + 1 : run == 15 ? 16 : 0;
            const int bits = l + static_cast<int>(size);
            if (symbols > 0 && (bits > kMultiBits - used || advance + step > 63)) continue;  // stop before it
            if (eob) {
                const uint16_t e = static_cast<uint16_t>((used + l) | advance << 5 | kMultiEob |
                                                         (symbols > 0 ? kMultiSeveral : 0));
                for (uint32_t i = 0; i < count; ++i) multi->entry[first + i] = e;
            } else if (bits > kMultiBits - used) {  // alone, longer than the window
                const uint16_t e = static_cast<uint16_t>(bits | step << 5);
                for (uint32_t i = 0; i < count; ++i) multi->entry[first + i] = e;
            } else {
                // The value bits are not looked at: every value continues the same way.
                const uint32_t values = 1u << size;
                for (uint32_t v = 0; v < values; ++v) {
                    fill_multi(table, multi, first + (v << (kMultiBits - used - bits)), used + bits,
                               advance + step, symbols + 1);
                }
            }
        }
        code <<= 1;
    }
}

// Reads entropy-coded bits: 0xFF 0x00 is a data byte 0xFF; any other marker ends the
// data, after which zeros are supplied (as libjpeg does) and counted, so that reading
// past the end is detected instead of decoded.
class BitReader {
public:
    BitReader(ByteSpan data, size_t start) : data_(data.data), size_(data.size), pos_(start) {}

    // Starts at a bit position (byte * 8 + bit).
    void seek(uint64_t position) {
        pos_ = static_cast<size_t>(position >> 3);
        buffer_ = 0;
        bits_ = 0;
        padding_bits_ = 0;
        ended_ = false;
        refill();
        consume(static_cast<int>(position & 7));
    }

    int bits() const { return bits_; }
    uint64_t peek(int n) const { return buffer_ >> (64 - n); }  // 1 <= n <= 32
    void consume(int n) {
        buffer_ <<= n;
        bits_ -= n;
    }
    uint32_t get(int n) {  // 0 <= n <= 31, after refill
        if (n == 0) return 0;
        const uint32_t value = static_cast<uint32_t>(buffer_ >> (64 - n));
        consume(n);
        return value;
    }

    // At least 57 bits, from eight bytes at once where none of them is 0xFF.
    void refill() {
        if (!ended_ && pos_ + 8 <= size_) {
            uint64_t word;
            std::memcpy(&word, data_ + pos_, 8);
            word = __builtin_bswap64(word);
            const uint64_t inverted = ~word;
            const bool has_ff = ((inverted - 0x0101010101010101ull) & ~inverted & 0x8080808080808080ull) != 0;
            if (!has_ff) {
                const int n = (64 - bits_) >> 3;
                if (n == 0) return;
                const uint64_t taken = n == 8 ? word : word & (~uint64_t{0} << (64 - 8 * n));
                buffer_ |= taken >> bits_;
                bits_ += 8 * n;
                pos_ += static_cast<size_t>(n);
                return;
            }
        }
        while (bits_ <= 56) {
            uint32_t byte = 0;
            if (!ended_ && pos_ < size_) {
                byte = data_[pos_];
                if (byte != 0xFF) {
                    ++pos_;
                } else if (pos_ + 1 < size_ && data_[pos_ + 1] == 0x00) {
                    pos_ += 2;
                } else {
                    ended_ = true;
                    hit_marker_ = pos_ + 1 < size_;
                    byte = 0;
                }
            } else {
                ended_ = true;
            }
            if (ended_) padding_bits_ += 8;
            buffer_ |= uint64_t{byte} << (56 - bits_);
            bits_ += 8;
        }
    }

    bool overran() const { return bits_ < padding_bits_; }
    Status overrun_status() const {
        return hit_marker_ ? corrupt("entropy-coded data ends at a marker before the last MCU")
                           : Status(PARCROP_E_TRUNCATED, "jpeg index: the data ends before the last MCU");
    }

    // The position of the next bit: the whole bytes still buffered are walked back over,
    // stuffed zeros included. False when it lies past the data.
    bool position(size_t scan_start, uint64_t* out) const {
        if (overran()) return false;
        const int real = bits_ - padding_bits_;
        size_t p = pos_;
        for (int back = (real + 7) >> 3; back > 0; --back) {
            --p;
            if (data_[p] == 0x00 && p > scan_start && data_[p - 1] == 0xFF) --p;
        }
        *out = uint64_t{p} * 8 + static_cast<uint64_t>((8 - (real & 7)) & 7);
        return true;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_;
    uint64_t buffer_ = 0;  // valid bits at the top
    int bits_ = 0;
    int padding_bits_ = 0;  // zeros supplied past the data, at the bottom of the valid bits
    bool ended_ = false;
    bool hit_marker_ = false;
};

// Bits to bytes, 0xFF followed by a stuffed 0x00.
class BitWriter {
public:
    explicit BitWriter(std::vector<uint8_t>* out) : out_(out) {}
    void put(uint32_t value, int n) {  // n <= 32
        if (n == 0) return;
        acc_ = (acc_ << n) | (value & (n == 32 ? 0xffffffffu : (1u << n) - 1));
        bits_ += n;
        while (bits_ >= 8) {
            bits_ -= 8;
            const uint8_t byte = static_cast<uint8_t>(acc_ >> bits_);
            out_->push_back(byte);
            if (byte == 0xFF) out_->push_back(0x00);
        }
    }
    // 1-bits to the byte boundary, as encoders pad.
    void pad() {
        if (bits_ > 0) put(0xFFu, 8 - bits_);
    }

private:
    std::vector<uint8_t>* out_;
    uint64_t acc_ = 0;
    int bits_ = 0;
};

struct MultiTable;

struct Block {
    const Huffman* dc;
    const Huffman* ac;
    const MultiTable* multi;
    uint32_t component;  // scan order
    bool first;          // the component's first block in the MCU
};

struct Scan {
    JpegHeader header;
    JpegScanSetup setup;
    Huffman dc[4], ac[4];
    // Of the AC tables, for the index pass only: 64 KB that extraction neither fills nor clears.
    std::vector<MultiTable> multi;
    Block blocks[10];
    uint32_t block_count = 0;
    uint32_t mcu_width = 0, mcu_height = 0;
};

// Everything the index pass and the extraction check before they trust the scan.
Status read_scan(ByteSpan jpeg, Scan* scan, bool multi = false) {
    PARCROP_RETURN_IF_ERROR(read_jpeg_scan_setup(jpeg, &scan->header, &scan->setup));
    const JpegHeader& header = scan->header;
    const JpegScanSetup& setup = scan->setup;
    if (header.frame_marker != 0xC0 && header.frame_marker != 0xC1) {
        return unsupported("not a Huffman-coded sequential frame");
    }
    if (header.restart_interval != 0) return unsupported("restart markers (the restart path serves them)");
    if (setup.scan_components != header.components) return unsupported("more than one scan");
    if (setup.ss != 0 || setup.se != 63 || setup.ah != 0 || setup.al != 0) {
        return unsupported("scan parameters of a progressive file");
    }
    uint32_t max_h = 1, max_v = 1;
    for (uint32_t c = 0; c < header.components; ++c) {
        max_h = std::max<uint32_t>(max_h, setup.components[c].h);
        max_v = std::max<uint32_t>(max_v, setup.components[c].v);
    }
    const bool interleaved = setup.scan_components > 1;
    scan->mcu_width = interleaved ? 8 * max_h : 8;
    scan->mcu_height = interleaved ? 8 * max_v : 8;
    bool built_dc[4] = {}, built_ac[4] = {};
    scan->block_count = 0;
    if (multi) scan->multi.resize(4);
    for (uint32_t i = 0; i < setup.scan_components; ++i) {
        const JpegScanComponent& s = setup.scan[i];
        if (s.dc_table > 3 || s.ac_table > 3 || !setup.dc[s.dc_table].defined || !setup.ac[s.ac_table].defined) {
            return unsupported("a Huffman table the scan names is not in the file");
        }
        const JpegHuffmanTable& dc = setup.dc[s.dc_table];
        uint32_t symbols = 0;
        for (int l = 1; l <= 16; ++l) symbols += dc.counts[l];
        for (uint32_t k = 0; k < symbols; ++k) {
            if (dc.symbols[k] > 15) return corrupt("a DC table with a category over 15");
        }
        if (!built_dc[s.dc_table]) build_huffman(dc, &scan->dc[s.dc_table]);
        if (!built_ac[s.ac_table]) {
            build_huffman(setup.ac[s.ac_table], &scan->ac[s.ac_table]);
            if (multi) fill_multi(setup.ac[s.ac_table], &scan->multi[s.ac_table], 0, 0, 0, 0);
        }
        built_dc[s.dc_table] = built_ac[s.ac_table] = true;
        const JpegFrameComponent& component = setup.components[s.frame_index];
        const uint32_t blocks = interleaved ? uint32_t{component.h} * component.v : 1;
        if (scan->block_count + blocks > 10) return unsupported("more than 10 blocks in an MCU");
        for (uint32_t b = 0; b < blocks; ++b) {
            scan->blocks[scan->block_count++] = {&scan->dc[s.dc_table], &scan->ac[s.ac_table],
                                                 multi ? &scan->multi[s.ac_table] : nullptr, i, b == 0};
        }
    }
    return Status::ok();
}

// The slow half of a decode: codes longer than the lookup, or none at all (libjpeg
// warns, which parcrop treats as corrupt data).
bool decode_long(const Huffman& h, BitReader& reader, uint32_t* symbol, int* length) {
    for (int l = kLookBits + 1; l <= 16; ++l) {
        const int32_t code = static_cast<int32_t>(reader.peek(l));
        if (code <= h.maxcode[l]) {
            const int32_t index = h.offset[l] + code;
            if (index < 0 || index > 255) return false;
            *symbol = h.symbols[index];
            *length = l;
            return true;
        }
    }
    return false;
}

inline bool decode_symbol(const Huffman& h, BitReader& reader, uint32_t* symbol, int* length) {
    const uint16_t entry = h.fast[reader.peek(kLookBits)];
    if (entry != 0) {
        *symbol = entry & 255u;
        *length = entry >> 8;
        return true;
    }
    return decode_long(h, reader, symbol, length);
}

inline int32_t extend(uint32_t value, int size) {
    return size == 0 ? 0 : value < (1u << (size - 1)) ? static_cast<int32_t>(value) - static_cast<int32_t>((1u << size) - 1)
                                                       : static_cast<int32_t>(value);
}

// One MCU: DC differences into the predictors, AC coefficients skipped.
template <bool kMulti>
inline bool skip_mcu(const Scan& scan, BitReader& reader, uint32_t* predictors) {
    for (uint32_t b = 0; b < scan.block_count; ++b) {
        const Block& block = scan.blocks[b];
        if (reader.bits() < 32) reader.refill();
        uint32_t symbol;
        int length;
        if (!decode_symbol(*block.dc, reader, &symbol, &length)) return false;
        reader.consume(length);
        const int size = static_cast<int>(symbol);
        // Wraps as libjpeg's int does (it tolerates overflow on hostile files).
        predictors[block.component] += static_cast<uint32_t>(extend(reader.get(size), size));
        const Huffman& ac = *block.ac;
        for (uint32_t k = 1; k < 64;) {
            if (reader.bits() < 32) reader.refill();
            if (kMulti) {
                const uint16_t e = block.multi->entry[reader.peek(kMultiBits)];
                const uint32_t advance = (e >> 5) & 127u;
                // One branch: a single symbol checks nothing (0), and kMultiLong fails the check.
                if (k + ((e & kMultiSeveral) != 0 ? advance : 0) < 64) {
                    reader.consume(e & 31);
                    if ((e & kMultiEob) != 0) break;
                    k += advance;
                    continue;
                }
            }
            const uint16_t entry = ac.skip[reader.peek(kLookBits)];
            if (entry != 0) {
                reader.consume(entry >> 8);
                k += entry & 255u;
                continue;
            }
            if (!decode_long(ac, reader, &symbol, &length)) return false;
            reader.consume(length);
            const uint32_t s = symbol & 15u, r = symbol >> 4;
            if (s != 0) {
                reader.consume(static_cast<int>(s));
                k += r + 1;
            } else if (r == 15) {
                k += 16;
            } else {
                break;
            }
        }
    }
    return true;
}

uint32_t category(int64_t value) {
    uint64_t magnitude = static_cast<uint64_t>(value < 0 ? -value : value);
    uint32_t bits = 0;
    while (magnitude != 0) {
        ++bits;
        magnitude >>= 1;
    }
    return bits;
}

// The value nearest `target` whose category the table has a code for; false if none.
bool nearest_codable(const Huffman& dc, int64_t target, int64_t* value) {
    bool found = false;
    int64_t best = 0;
    for (uint32_t cat = 0; cat <= 15; ++cat) {
        if (!dc.has[cat]) continue;
        // Category cat holds the magnitudes [2^(cat-1), 2^cat - 1], and 0 for cat 0.
        const int64_t low = cat == 0 ? 0 : int64_t{1} << (cat - 1), high = (int64_t{1} << cat) - 1;
        const int64_t magnitude = std::min(std::max(target < 0 ? -target : target, low), high);
        const int64_t candidate = target < 0 ? -magnitude : magnitude;
        if (!found || std::llabs(candidate - target) < std::llabs(best - target)) best = candidate;
        found = true;
    }
    *value = best;
    return found;
}

// Copies one MCU from the reader to the writer, moving DC differences by what is left
// of residual[component] (the step from the decoder's predictors to the file's). In an
// MCU whose samples are not wanted (`free`), every block may take part of the step, as
// far as the table has codes; in a wanted one, only each component's first block can
// take it, and it must take it whole, so that every wanted DC value is the file's.
Status copy_mcu(const Scan& scan, BitReader& reader, BitWriter& writer, bool free, int64_t* residual,
                uint64_t* consumed) {
    for (uint32_t b = 0; b < scan.block_count; ++b) {
        const Block& block = scan.blocks[b];
        if (reader.bits() < 32) reader.refill();
        uint32_t symbol;
        int length;
        if (!decode_symbol(*block.dc, reader, &symbol, &length)) return corrupt("no DC code at a checkpoint");
        const uint32_t code = static_cast<uint32_t>(reader.peek(length));
        reader.consume(length);
        const int size = static_cast<int>(symbol);
        const uint32_t raw = reader.get(size);
        *consumed += static_cast<uint64_t>(length + size);
        int64_t& left = residual[block.component];
        if (left != 0 && (free || block.first)) {
            const int64_t difference = extend(raw, size), target = difference + left;
            int64_t value = target;
            if (!free && (category(target) > 15 || !block.dc->has[category(target)])) {
                return unsupported("the DC table has no code for category " + std::to_string(category(target)));
            }
            if (free && !nearest_codable(*block.dc, target, &value)) return unsupported("an empty DC table");
            left = target - value;
            const uint32_t cat = category(value);
            const int64_t bits = value < 0 ? value + (int64_t{1} << cat) - 1 : value;
            writer.put(block.dc->code_of[cat], block.dc->length_of[cat]);
            writer.put(static_cast<uint32_t>(bits), static_cast<int>(cat));
        } else {
            writer.put(code, length);
            writer.put(raw, size);
        }
        const Huffman& ac = *block.ac;
        for (uint32_t k = 1; k < 64;) {
            if (reader.bits() < 32) reader.refill();
            if (!decode_symbol(ac, reader, &symbol, &length)) return corrupt("no AC code at a checkpoint");
            const uint32_t s = symbol & 15u, r = symbol >> 4;
            const int total = length + static_cast<int>(s);
            writer.put(reader.get(total), total);
            *consumed += static_cast<uint64_t>(total);
            if (s != 0) {
                k += r + 1;
            } else if (r == 15) {
                k += 16;
            } else {
                break;
            }
        }
    }
    return Status::ok();
}

// Data bits between two positions: stuffed zeros are not data.
bool data_bits_between(ByteSpan jpeg, uint64_t from, uint64_t to, uint64_t* bits) {
    if (to < from) return false;
    size_t at = static_cast<size_t>(from >> 3);
    const size_t end = static_cast<size_t>(to >> 3);
    uint64_t stuffed = 0;
    while (at < end) {
        const void* hit = std::memchr(jpeg.data + at, 0xFF, end - at);
        if (hit == nullptr) break;
        const size_t ff = static_cast<size_t>(static_cast<const uint8_t*>(hit) - jpeg.data);
        if (ff + 1 >= end || jpeg.data[ff + 1] != 0x00) return false;  // a marker inside, or a split pair
        ++stuffed;
        at = ff + 2;
    }
    *bits = (to - from) - 8 * stuffed;
    return true;
}

// Index consistency that extraction relies on, whatever bytes the index came from.
Status check_index(const JpegEntropyIndex& index) {
    if (index.components < 1 || index.components > 4 || index.mcus_per_checkpoint == 0 ||
        index.mcus_per_row == 0 || index.mcu_rows == 0 || index.mcu_width == 0 || index.mcu_height == 0) {
        return corrupt("impossible geometry");
    }
    if (index.checkpoints_per_row != ceil_div(index.mcus_per_row, index.mcus_per_checkpoint) ||
        index.positions.size() != uint64_t{index.checkpoints_per_row} * index.mcu_rows ||
        index.predictors.size() != index.positions.size() * index.components) {
        return corrupt("checkpoint count does not match the geometry");
    }
    uint64_t previous = index.scan_data_offset * 8;
    for (const uint64_t position : index.positions) {
        if (position < previous) return corrupt("positions out of order");
        previous = position;
    }
    if (index.end_position < previous || index.end_position > index.file_size * 8) {
        return corrupt("positions past the file");
    }
    return Status::ok();
}

// The index must describe this very file.
Status check_index_fits(ByteSpan jpeg, const Scan& scan, const JpegEntropyIndex& index) {
    PARCROP_RETURN_IF_ERROR(check_index(index));
    if (index.file_size != jpeg.size || index.scan_data_offset != scan.setup.scan_data_offset ||
        index.width != scan.header.width || index.height != scan.header.height ||
        index.components != scan.setup.scan_components || index.mcu_width != scan.mcu_width ||
        index.mcu_height != scan.mcu_height ||
        index.mcus_per_row != ceil_div(scan.header.width, scan.mcu_width) ||
        index.mcu_rows != ceil_div(scan.header.height, scan.mcu_height)) {
        return corrupt("the index describes another image");
    }
    for (uint32_t i = 0; i < index.components; ++i) {
        const JpegFrameComponent& c = scan.setup.components[scan.setup.scan[i].frame_index];
        if (index.component_ids[i] != c.id || index.sampling[i] != (c.h << 4 | c.v)) {
            return corrupt("the index describes other components");
        }
    }
    if (index.fingerprint != fingerprint_of(jpeg, index.scan_data_offset)) {
        return corrupt("the index was built for a file with other headers or another end");
    }
    return Status::ok();
}

void put_varint(std::vector<uint8_t>* out, uint64_t value) {
    while (value >= 0x80) {
        out->push_back(static_cast<uint8_t>(value | 0x80));
        value >>= 7;
    }
    out->push_back(static_cast<uint8_t>(value));
}

uint32_t zigzag(int32_t value) {
    const uint32_t u = static_cast<uint32_t>(value);
    return (u << 1) ^ (0u - (u >> 31));
}

int32_t unzigzag(uint32_t value) { return static_cast<int32_t>((value >> 1) ^ (0u - (value & 1))); }

class VarintReader {
public:
    VarintReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    bool next(uint64_t* value) {
        uint64_t result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at_ >= size_) return false;
            const uint8_t byte = data_[at_++];
            if (shift == 63 && byte > 1) return false;
            result |= uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80) == 0) {
                *value = result;
                return true;
            }
        }
        return false;
    }
    bool next32(uint32_t* value) {
        uint64_t v;
        if (!next(&v) || v > 0xffffffffu) return false;
        *value = static_cast<uint32_t>(v);
        return true;
    }
    bool raw(uint8_t* byte) {
        if (at_ >= size_) return false;
        *byte = data_[at_++];
        return true;
    }
    size_t remaining() const { return size_ - at_; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t at_ = 0;
};

}  // namespace

uint32_t default_mcus_per_checkpoint(uint32_t mcu_width) { return std::max(1u, 128 / std::max(1u, mcu_width)); }

Status build_jpeg_entropy_index(ByteSpan jpeg, uint32_t mcus_per_checkpoint, JpegEntropyIndex* index) {
    *index = JpegEntropyIndex{};
    std::unique_ptr<Scan> scan(new Scan);  // not zeroed: read_scan fills what is used
    PARCROP_RETURN_IF_ERROR(read_scan(jpeg, scan.get(), true));
    const uint32_t k = mcus_per_checkpoint != 0 ? mcus_per_checkpoint : default_mcus_per_checkpoint(scan->mcu_width);
    JpegEntropyIndex& out = *index;
    out.file_size = jpeg.size;
    out.scan_data_offset = scan->setup.scan_data_offset;
    out.fingerprint = fingerprint_of(jpeg, scan->setup.scan_data_offset);
    out.width = scan->header.width;
    out.height = scan->header.height;
    out.components = scan->setup.scan_components;
    for (uint32_t i = 0; i < out.components; ++i) {
        const JpegFrameComponent& c = scan->setup.components[scan->setup.scan[i].frame_index];
        out.component_ids[i] = c.id;
        out.sampling[i] = static_cast<uint8_t>(c.h << 4 | c.v);
    }
    out.mcu_width = scan->mcu_width;
    out.mcu_height = scan->mcu_height;
    out.mcus_per_row = ceil_div(out.width, out.mcu_width);
    out.mcu_rows = ceil_div(out.height, out.mcu_height);
    out.mcus_per_checkpoint = k;
    out.checkpoints_per_row = ceil_div(out.mcus_per_row, k);
    // A hostile header can claim 2^32 MCUs over a few bytes of data; every MCU takes at
    // least two bits per block, so the data bounds what is worth reserving.
    const uint64_t checkpoints = uint64_t{out.checkpoints_per_row} * out.mcu_rows;
    const uint64_t affordable = (jpeg.size - out.scan_data_offset) * 4 / (uint64_t{k} * scan->block_count) + 1;
    out.positions.reserve(static_cast<size_t>(std::min(checkpoints, affordable)));
    out.predictors.reserve(static_cast<size_t>(std::min(checkpoints, affordable)) * out.components);

    BitReader reader(jpeg, out.scan_data_offset);
    reader.refill();
    uint32_t predictors[4] = {};
    for (uint32_t row = 0; row < out.mcu_rows; ++row) {
        // A countdown, not column % k: a division per MCU cost 3% of a gray file's pass.
        for (uint32_t column = 0, until_checkpoint = 0; column < out.mcus_per_row; ++column, --until_checkpoint) {
            if (until_checkpoint == 0) {
                until_checkpoint = k;
                uint64_t position;
                if (!reader.position(out.scan_data_offset, &position)) return reader.overrun_status();
                out.positions.push_back(position);
                for (uint32_t c = 0; c < out.components; ++c) {
                    out.predictors.push_back(static_cast<int32_t>(predictors[c]));
                }
            }
            if (!skip_mcu<true>(*scan, reader, predictors)) return corrupt("a code that is not in the Huffman table");
        }
    }
    if (!reader.position(out.scan_data_offset, &out.end_position)) return reader.overrun_status();
    return Status::ok();
}

std::vector<uint8_t> JpegEntropyIndex::serialize() const {
    std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
    out.push_back(kFormatVersion);
    put_varint(&out, file_size);
    put_varint(&out, scan_data_offset);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(fingerprint >> (8 * i)));
    put_varint(&out, width);
    put_varint(&out, height);
    put_varint(&out, components);
    for (uint32_t c = 0; c < components && c < 4; ++c) {
        out.push_back(component_ids[c]);
        out.push_back(sampling[c]);
    }
    put_varint(&out, mcu_width);
    put_varint(&out, mcu_height);
    put_varint(&out, mcus_per_checkpoint);
    uint64_t previous = scan_data_offset * 8;
    int32_t previous_predictors[4] = {};
    for (size_t i = 0; i < positions.size(); ++i) {
        put_varint(&out, positions[i] - previous);
        previous = positions[i];
        for (uint32_t c = 0; c < components; ++c) {
            const int32_t p = predictors[i * components + c];
            put_varint(&out, zigzag(static_cast<int32_t>(static_cast<uint32_t>(p) -
                                                         static_cast<uint32_t>(previous_predictors[c]))));
            previous_predictors[c] = p;
        }
    }
    put_varint(&out, end_position - previous);
    const uint64_t checksum = fnv1a(out.data(), out.size());
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(checksum >> (8 * i)));
    return out;
}

Status deserialize(ByteSpan bytes, JpegEntropyIndex* index) {
    *index = JpegEntropyIndex{};
    if (bytes.size < sizeof kMagic + 1 + 8 || std::memcmp(bytes.data, kMagic, sizeof kMagic) != 0) {
        return corrupt("not an index");
    }
    if (bytes.data[4] != kFormatVersion) return corrupt("index format version " + std::to_string(bytes.data[4]));
    const size_t body = bytes.size - 8;
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= uint64_t{bytes.data[body + static_cast<size_t>(i)]} << (8 * i);
    if (fnv1a(bytes.data, body) != stored) return corrupt("checksum mismatch (truncated or damaged)");

    VarintReader in(bytes.data + 5, body - 5);
    JpegEntropyIndex& out = *index;
    const Status bad = corrupt("malformed index");
    if (!in.next(&out.file_size) || !in.next(&out.scan_data_offset)) return bad;
    for (int i = 0; i < 8; ++i) {
        uint8_t byte;
        if (!in.raw(&byte)) return bad;
        out.fingerprint |= uint64_t{byte} << (8 * i);
    }
    if (!in.next32(&out.width) || !in.next32(&out.height) || !in.next32(&out.components)) return bad;
    if (out.components < 1 || out.components > 4) return bad;
    for (uint32_t c = 0; c < out.components; ++c) {
        if (!in.raw(&out.component_ids[c]) || !in.raw(&out.sampling[c])) return bad;
    }
    if (!in.next32(&out.mcu_width) || !in.next32(&out.mcu_height) || !in.next32(&out.mcus_per_checkpoint)) return bad;
    if (out.width == 0 || out.height == 0 || out.width > 65535 || out.height > 65535 || out.mcu_width == 0 ||
        out.mcu_height == 0 || out.mcus_per_checkpoint == 0 || out.mcu_width > 32 || out.mcu_height > 32) {
        return bad;
    }
    out.mcus_per_row = ceil_div(out.width, out.mcu_width);
    out.mcu_rows = ceil_div(out.height, out.mcu_height);
    out.checkpoints_per_row = ceil_div(out.mcus_per_row, out.mcus_per_checkpoint);
    const uint64_t count = uint64_t{out.checkpoints_per_row} * out.mcu_rows;
    // Each checkpoint takes at least one byte per varint: more than the bytes left is a lie.
    if (count * (1 + out.components) > in.remaining()) return bad;
    out.positions.resize(static_cast<size_t>(count));
    out.predictors.resize(static_cast<size_t>(count) * out.components);
    // Bounds first, so that the sums below cannot wrap.
    if (out.file_size > (uint64_t{1} << 56) || out.scan_data_offset > out.file_size) return bad;
    uint64_t previous = out.scan_data_offset * 8;
    uint32_t previous_predictors[4] = {};
    for (size_t i = 0; i < count; ++i) {
        uint64_t delta;
        if (!in.next(&delta) || delta > out.file_size * 8 - previous) return bad;
        previous += delta;
        out.positions[i] = previous;
        for (uint32_t c = 0; c < out.components; ++c) {
            uint32_t z;
            if (!in.next32(&z)) return bad;
            previous_predictors[c] += static_cast<uint32_t>(unzigzag(z));
            out.predictors[i * out.components + c] = static_cast<int32_t>(previous_predictors[c]);
        }
    }
    uint64_t delta;
    if (!in.next(&delta) || delta > out.file_size * 8 - previous) return bad;
    out.end_position = previous + delta;
    if (in.remaining() != 0) return bad;
    return check_index(out);
}

namespace {

// The sub-image from checkpoint column `checkpoint`; see extract_indexed_sub_image.
Status extract_from(ByteSpan jpeg, const JpegEntropyIndex& index, const Scan& scan, uint32_t checkpoint,
                    uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1, SubImage* out) {
    const uint32_t k = index.mcus_per_checkpoint, cpr = index.checkpoints_per_row;
    const uint32_t column0 = checkpoint * k, wanted0 = x0 / index.mcu_width;
    const uint32_t column1 = ceil_div(x1, index.mcu_width);
    const uint32_t row0 = y0 / index.mcu_height, row1 = ceil_div(y1, index.mcu_height);
    const uint32_t components = index.components;

    out->x0 = column0 * index.mcu_width;
    out->y0 = row0 * index.mcu_height;
    out->width = std::min(index.width, column1 * index.mcu_width) - out->x0;
    out->height = std::min(index.height, row1 * index.mcu_height) - out->y0;

    // The file's headers and tables, with the frame's size changed.
    std::vector<uint8_t>& bytes = out->jpeg;
    bytes.assign(jpeg.data, jpeg.data + index.scan_data_offset);
    const size_t sof = scan.setup.sof_offset;
    bytes[sof + 5] = static_cast<uint8_t>(out->height >> 8);
    bytes[sof + 6] = static_cast<uint8_t>(out->height);
    bytes[sof + 7] = static_cast<uint8_t>(out->width >> 8);
    bytes[sof + 8] = static_cast<uint8_t>(out->width);

    // The rows are written one after the other, without restart markers: the first MCUs
    // of each row carry in their DC differences the step from the predictors the decoder
    // has after the previous row (all zero before the first) to those of the file.
    BitWriter writer(&bytes);
    BitReader reader(jpeg, 0), ahead(jpeg, 0);
    uint32_t decoder_predictors[4] = {};
    for (uint32_t row = row0; row < row1; ++row) {
        const size_t first = size_t{row} * cpr + checkpoint;
        const uint64_t start = index.positions[first];
        // Where the row's last MCU ends, and the predictors there.
        uint64_t end;
        uint32_t end_predictors[4] = {};
        if (column1 == index.mcus_per_row) {
            const bool last_row = row + 1 == index.mcu_rows;
            end = last_row ? index.end_position : index.positions[size_t{row + 1} * cpr];
            if (!last_row) {
                for (uint32_t c = 0; c < components; ++c) {
                    end_predictors[c] = static_cast<uint32_t>(index.predictors[size_t{row + 1} * cpr * components + c]);
                }
            }
        } else {
            const size_t at = size_t{row} * cpr + column1 / k;
            for (uint32_t c = 0; c < components; ++c) {
                end_predictors[c] = static_cast<uint32_t>(index.predictors[at * components + c]);
            }
            if (column1 % k == 0) {
                end = index.positions[at];
            } else {
                ahead.seek(index.positions[at]);
                for (uint32_t m = 0; m < column1 % k; ++m) {
                    if (!skip_mcu<false>(scan, ahead, end_predictors)) return corrupt("a code that is not in the table");
                }
                if (!ahead.position(index.scan_data_offset, &end)) return corrupt("the row's end lies past the data");
            }
        }
        uint64_t total;
        if (!data_bits_between(jpeg, start, end, &total)) return corrupt("checkpoints that do not fit the data");

        int64_t residual[4] = {};
        bool stepped = true;
        for (uint32_t c = 0; c < components; ++c) {
            residual[c] = int64_t{index.predictors[first * components + c]} - static_cast<int32_t>(decoder_predictors[c]);
            stepped = stepped && residual[c] == 0;
        }
        reader.seek(start);
        uint64_t consumed = 0;
        for (uint32_t column = column0; column <= wanted0 && column < column1 && !stepped; ++column) {
            PARCROP_RETURN_IF_ERROR(copy_mcu(scan, reader, writer, column < wanted0, residual, &consumed));
            stepped = std::all_of(residual, residual + components, [](int64_t r) { return r == 0; });
        }
        if (!stepped) return unsupported("the DC table lacks the codes to restore the predictors");
        if (consumed > total) return corrupt("a row's first MCUs run past its end");
        for (uint64_t left = total - consumed; left > 0;) {
            if (reader.bits() < 32) reader.refill();
            const int n = static_cast<int>(std::min<uint64_t>(left, 24));
            writer.put(reader.get(n), n);
            left -= static_cast<uint64_t>(n);
        }
        std::memcpy(decoder_predictors, end_predictors, sizeof decoder_predictors);
    }
    writer.pad();
    bytes.push_back(0xFF);
    bytes.push_back(0xD9);
    return Status::ok();
}

}  // namespace

Status extract_indexed_sub_image(ByteSpan jpeg, const JpegEntropyIndex& index, uint32_t x0, uint32_t x1,
                                 uint32_t y0, uint32_t y1, SubImage* out) {
    std::unique_ptr<Scan> scan(new Scan);  // not zeroed: read_scan fills what is used
    PARCROP_RETURN_IF_ERROR(read_scan(jpeg, scan.get()));
    PARCROP_RETURN_IF_ERROR(check_index_fits(jpeg, *scan, index));
    if (x0 >= x1 || y0 >= y1 || x1 > index.width || y1 > index.height) {
        return Status(PARCROP_E_INVALID_BOX, "jpeg index: an empty box or one outside the image");
    }
    // A checkpoint further left gives K more MCUs whose samples nobody wants, to spread
    // the predictors' step over when the table lacks the code for taking it at once.
    const uint32_t nearest = x0 / index.mcu_width / index.mcus_per_checkpoint;
    Status status;
    for (uint32_t back = 0; back <= kMaxCheckpointsBack && back <= nearest; ++back) {
        status = extract_from(jpeg, index, *scan, nearest - back, x0, x1, y0, y1, out);
        if (status.code() != PARCROP_E_UNSUPPORTED) return status;
    }
    out->jpeg.clear();
    return status;
}

Status decode_region_through_index(ByteSpan jpeg, const JpegEntropyIndex& index, const DecodeRequest& request,
                                   RowSink& sink, const Limits& limits) {
    const uint32_t d = request.scale_denom;
    if (request.rows == nullptr || request.rows->empty() || d == 0 || d > 8) {
        return Status(PARCROP_E_INTERNAL, "jpeg index: invalid decode request");
    }
    const PixelBox box = sub_image_box(request, index.width, index.height, index.mcu_width, index.mcu_height);
    SubImage sub;
    PARCROP_RETURN_IF_ERROR(extract_indexed_sub_image(jpeg, index, box.x0, box.x1, box.y0, box.y1, &sub));

    const std::unique_ptr<Decoder> inner = make_jpeg_decoder(ByteSpan{sub.jpeg.data(), sub.jpeg.size()}, limits);
    ImageHeader header;
    PARCROP_RETURN_IF_ERROR(inner->read_header(&header));
    std::vector<uint32_t> rows;
    const DecodeRequest shifted = request_in_sub_image(request, sub, &rows);
    ShiftedSink shifted_sink(&sink, sub.y0 / request.scale_denom);
    return inner->decode(shifted, shifted_sink);
}

}  // namespace parcrop
