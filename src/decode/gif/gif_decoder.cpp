#include "decode/gif/gif_decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

// What a first frame looks like is what stb_image 2.27 made of it, since parcrop read GIF
// through stb before; every file stb decodes gives the same pixels here. Where stb's
// result comes from an accident of its memory layout rather than from the file, parcrop
// has rules of its own, used only for files that stb renders differently:
//  - an index beyond the colour table is opaque black (stb: transparent black, its table
//    is zeroed past the entries read);
//  - an LZW minimum code size outside 2..8 is corrupt (stb takes 0..12);
//  - a frame reaching past the screen is clipped to it (stb refuses it);
//  - data without a first clear code, and a table that stays full for over 4096 codes,
//    decode as GIF89a says (stb refuses both);
//  - the frame ends at its last pixel: no end code, closing block or trailer is needed.
namespace parcrop {
namespace {

// LZW codes are at most 12 bits wide (GIF89a, appendix F).
constexpr uint32_t kMaxCodes = 4096;
constexpr uint32_t kMaxCodeWidth = 12;

// Interlaced frames: the row each of the four passes starts at and the step between rows.
constexpr uint32_t kPassStart[4] = {0, 4, 2, 1};
constexpr uint32_t kPassStep[4] = {8, 8, 4, 2};

// The pass that holds `row` of an interlaced frame: each row is in exactly one.
uint32_t pass_of(uint32_t row) {
    if (row % 8 == 0) return 0;
    if (row % 8 == 4) return 1;
    return row % 4 == 2 ? 2 : 3;
}

uint32_t little_endian_16(const uint8_t* bytes) { return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8; }

Status truncated(const char* where) { return Status(PARCROP_E_TRUNCATED, std::string("gif: data ends ") + where); }
Status corrupt(const std::string& what) { return Status(PARCROP_E_CORRUPT, "gif: " + what); }

class ByteCursor {
public:
    explicit ByteCursor(ByteSpan data, size_t position = 0) : data_(data), position_(position) {}

    bool read(uint8_t* byte) {
        if (position_ >= data_.size) return false;
        *byte = data_.data[position_++];
        return true;
    }
    // The next `count` bytes, or nullptr when fewer are left.
    const uint8_t* take(size_t count) {
        if (data_.size - position_ < count) return nullptr;
        const uint8_t* bytes = data_.data + position_;
        position_ += count;
        return bytes;
    }
    bool next_is(uint8_t byte) const { return position_ < data_.size && data_.data[position_] == byte; }
    size_t position() const { return position_; }

private:
    const ByteSpan data_;
    size_t position_;
};

// Extension data: sub-blocks of a size byte and that many bytes, up to an empty one.
Status skip_sub_blocks(ByteCursor* file) {
    for (;;) {
        uint8_t size = 0;
        if (!file->read(&size)) return truncated("inside an extension");
        if (size == 0) return Status::ok();
        if (file->take(size) == nullptr) return truncated("inside an extension");
    }
}

// The first image's data: LZW codes packed least significant bit first into sub-blocks,
// their width growing from min_code_size + 1 bits to 12 as the table fills (GIF89a,
// appendix F). Decoded one code at a time, so nothing is read past what the crop needs.
class LzwStream {
public:
    LzwStream(ByteCursor file, uint32_t min_code_size)
        : file_(file), clear_code_(1u << min_code_size), min_width_(min_code_size + 1) {
        for (uint32_t code = 0; code < clear_code_; ++code) {
            suffix_[code] = static_cast<uint8_t>(code);
            length_[code] = 1;
        }
        reset();
    }

    // The end code, or the empty sub-block that closes the data, has been read.
    bool ended() const { return ended_; }
    // Why next() returned false without the stream having ended.
    const Status& error() const { return error_; }

    // The indices of the next code in *indices and *count, valid until the next call.
    // False at the end of the stream, or on damaged data (then error() says what).
    // Runs once per code, so failures are kept aside rather than returned as a Status.
    bool next(const uint8_t** indices, size_t* count) {
        for (;;) {
            uint32_t code = 0;
            if (!read_code(&code)) return false;
            if (code == clear_code_) {
                reset();
                continue;
            }
            if (code == clear_code_ + 1) {
                ended_ = true;
                return false;
            }
            if (code > next_code_ || (code == next_code_ && previous_ < 0)) {
                error_ = corrupt("LZW code " + std::to_string(code) + " is past the table's next entry (" +
                                 std::to_string(next_code_) + ")");
                return false;
            }
            // The code one past the table is the previous string plus its own first index
            // (the encoder used the entry in the step that created it).
            const uint32_t known = code < next_code_ ? code : static_cast<uint32_t>(previous_);
            size_t length = length_[known];
            uint32_t walk = known;
            for (size_t i = length; i > 0; walk = prefix_[walk]) string_[--i] = suffix_[walk];
            if (code == next_code_) string_[length++] = string_[0];

            // A full table stays as it is until the next clear code.
            if (previous_ >= 0 && next_code_ < kMaxCodes) {
                prefix_[next_code_] = static_cast<uint16_t>(previous_);
                suffix_[next_code_] = string_[0];
                length_[next_code_] = static_cast<uint16_t>(length_[previous_] + 1);
                ++next_code_;
                if (next_code_ == (1u << width_) && width_ < kMaxCodeWidth) ++width_;
            }
            previous_ = static_cast<int32_t>(code);
            *indices = string_;
            *count = length;
            return true;
        }
    }

private:
    void reset() {
        width_ = min_width_;
        next_code_ = clear_code_ + 2;
        previous_ = -1;
    }

    // False at the closing sub-block or the end of the data.
    bool read_code(uint32_t* code) {
        while (bit_count_ < width_) {
            if (block_left_ == 0) {
                uint8_t size = 0;
                if (!file_.read(&size)) return fail_truncated();
                if (size == 0) {
                    ended_ = true;
                    return false;
                }
                block_left_ = size;
            }
            uint8_t byte = 0;
            if (!file_.read(&byte)) return fail_truncated();
            --block_left_;
            bits_ |= uint32_t{byte} << bit_count_;
            bit_count_ += 8;
        }
        *code = bits_ & ((1u << width_) - 1);
        bits_ >>= width_;
        bit_count_ -= width_;
        return true;
    }

    bool fail_truncated() {
        error_ = truncated("inside the image data");
        return false;
    }

    ByteCursor file_;
    const uint32_t clear_code_;
    const uint32_t min_width_;
    uint32_t width_ = 0;
    uint32_t next_code_ = 0;
    int32_t previous_ = -1;
    uint32_t bits_ = 0;
    uint32_t bit_count_ = 0;
    uint32_t block_left_ = 0;
    bool ended_ = false;
    Status error_;
    uint16_t prefix_[kMaxCodes] = {};
    uint8_t suffix_[kMaxCodes] = {};
    uint16_t length_[kMaxCodes] = {};  // a string's length: at most the codes defined before it
    uint8_t string_[kMaxCodes + 1] = {};
};

// Where the next decoded pixel of the frame goes: rows top-down, or the four passes of an
// interlaced frame. Pixels past the frame's last one are not placed (stb drops them too).
class FrameCursor {
public:
    FrameCursor(uint32_t width, uint32_t height, bool interlaced)
        : width_(width), height_(height), interlaced_(interlaced), complete_(width == 0 || height == 0) {}

    bool complete() const { return complete_; }
    uint32_t row() const { return row_; }
    uint32_t column() const { return column_; }
    uint32_t room() const { return width_ - column_; }  // pixels left in this row
    void advance(uint32_t count) { column_ += count; }

    void next_row() {
        column_ = 0;
        if (!interlaced_) {
            if (++row_ >= height_) complete_ = true;
            return;
        }
        // A short frame has passes without rows: skip them.
        row_ += kPassStep[pass_];
        while (row_ >= height_) {
            if (pass_ == 3) {
                complete_ = true;
                return;
            }
            row_ = kPassStart[++pass_];
        }
    }

    // How many leading columns of frame row `row` have been placed.
    uint32_t columns_done(uint32_t row) const {
        if (complete_) return width_;
        if (interlaced_) {
            const uint32_t pass = pass_of(row);
            if (pass != pass_) return pass < pass_ ? width_ : 0;
        }
        if (row == row_) return column_;
        return row < row_ ? width_ : 0;
    }

private:
    const uint32_t width_, height_;
    const bool interlaced_;
    bool complete_;
    uint32_t pass_ = 0, row_ = 0, column_ = 0;
};

// What the blocks before the first image say about it.
struct FirstFrame {
    uint32_t left = 0, top = 0, width = 0, height = 0;
    bool interlaced = false;
    uint32_t min_code_size = 0;
    size_t data_offset = 0;  // of the first sub-block
    uint8_t rgba[257][4] = {};  // the frame's colours by index, then the screen's background
};

class GifDecoder final : public Decoder {
public:
    GifDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("gif", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("gif", [&] { return decode_unguarded(request, sink); });
    }

    // The first frame's descriptor holds the interlace flag and its graphic control
    // extension the transparent index, so the blocks up to it are parsed, not the LZW data.
    Status describe(ImageTraits* traits) override {
        return without_exceptions("gif", [&] {
            if (!header_read_) return Status(PARCROP_E_INTERNAL, "gif: describe before read_header");
            std::unique_ptr<FirstFrame> frame(new FirstFrame);
            PARCROP_RETURN_IF_ERROR(read_first_frame(frame.get()));
            bool transparent = false;
            for (uint32_t i = 0; i < 256; ++i) transparent = transparent || frame->rgba[i][3] == 0;
            traits->channels = transparent ? 4 : 3;
            traits->has_alpha = transparent;
            traits->interlaced = frame->interlaced;
            return Status::ok();
        });
    }

private:
    static constexpr size_t kScreenEnd = 13;  // signature and logical screen descriptor

    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            if (data_.data == nullptr || data_.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "gif: no data");
            if (data_.size < kScreenEnd) return truncated("inside the header");
            if (std::memcmp(data_.data, "GIF87a", 6) != 0 && std::memcmp(data_.data, "GIF89a", 6) != 0) {
                return corrupt("not a GIF87a or GIF89a signature");
            }
            // The image is the logical screen, as stb reports it, not the first frame.
            width_ = little_endian_16(data_.data + 6);
            height_ = little_endian_16(data_.data + 8);
            PARCROP_RETURN_IF_ERROR(check_dimensions(width_, height_, limits_));
            header_read_ = true;
        }
        header->width = width_;
        header->height = height_;
        header->format = ImageFormat::other;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        PARCROP_RETURN_IF_ERROR(
            begin_full_scale_decode("gif", header_read_, &decode_started_, request, width_, height_));
        std::unique_ptr<FirstFrame> frame(new FirstFrame);
        PARCROP_RETURN_IF_ERROR(read_first_frame(frame.get()));
        if (frame->width > 0 && frame->height > 0 && (frame->left >= width_ || frame->top >= height_)) {
            return corrupt("the first image lies outside the " + std::to_string(width_) + "x" +
                           std::to_string(height_) + " screen");
        }

        // Every pixel is one of 257 colours, and the conversion works pixel by pixel, so
        // converting the palette once converts every row.
        const uint32_t channels = request.channels;
        convert_row(&frame->rgba[0][0], 4, colors_, channels, 257);
        const uint8_t* background = colors_ + 256 * channels;
        const uint32_t crop_width = request.x1 - request.x0;
        background_row_.resize(size_t{crop_width} * channels);
        for (uint32_t x = 0; x < crop_width; ++x) {
            std::memcpy(background_row_.data() + size_t{x} * channels, background, channels);
        }
        row_.resize(background_row_.size());

        // The screen columns of the crop that the frame covers, and the frame's visible rows.
        x0_ = request.x0;
        frame_left_ = frame->left;
        frame_top_ = frame->top;
        frame_bottom_ = std::min(frame->top + frame->height, height_);
        inside_x0_ = std::max(request.x0, frame->left);
        inside_x1_ = std::min(request.x1, std::min(frame->left + frame->width, width_));
        if (inside_x1_ <= inside_x0_ || frame->height == 0) {
            inside_x0_ = inside_x1_ = 0;
        } else {
            crop_begin_ = inside_x0_ - frame->left;
            crop_end_ = inside_x1_ - frame->left;
        }

        lzw_.reset(new LzwStream(ByteCursor(data_, frame->data_offset), frame->min_code_size));
        cursor_.reset(new FrameCursor(frame->width, frame->height, frame->interlaced));
        return frame->interlaced ? decode_interlaced(request, sink) : stream_rows(request, sink);
    }

    // Parses the blocks up to the first image's LZW minimum code size. Extensions before
    // it are skipped, except the graphic control extension's transparent index.
    Status read_first_frame(FirstFrame* frame) {
        ByteCursor file(data_, kScreenEnd);
        const uint8_t screen_flags = data_.data[10];
        const uint8_t background_index = data_.data[11];
        uint8_t global[256][3] = {};
        uint32_t global_size = 0;
        if (screen_flags & 0x80) {
            global_size = 2u << (screen_flags & 7);
            const uint8_t* table = file.take(3 * size_t{global_size});
            if (table == nullptr) return truncated("inside the global colour table");
            std::memcpy(global, table, 3 * size_t{global_size});
        }

        int transparent = -1;
        for (;;) {
            uint8_t introducer = 0;
            if (!file.read(&introducer)) return truncated("before the first image");
            if (introducer == 0x2C) break;
            if (introducer == 0x3B) return corrupt("the trailer comes before any image");
            if (introducer != 0x21) return corrupt("unknown block type " + std::to_string(introducer));
            uint8_t label = 0, size = 0;
            if (!file.read(&label)) return truncated("inside an extension");
            if (label != 0xF9) {
                PARCROP_RETURN_IF_ERROR(skip_sub_blocks(&file));
                continue;
            }
            if (!file.read(&size)) return truncated("inside a graphic control extension");
            const uint8_t* fields = file.take(size);
            if (fields == nullptr) return truncated("inside a graphic control extension");
            if (size == 4) {
                // The last one before the image counts, as in stb.
                transparent = (fields[0] & 1) ? fields[3] : -1;
                PARCROP_RETURN_IF_ERROR(skip_sub_blocks(&file));
            } else if (file.next_is(0)) {
                // stb ignores a block of another size and reads on at the byte after it,
                // which must then start a block; the empty block that closes a
                // well-formed extension is taken here too, where stb refuses the file.
                file.take(1);
            }
        }

        const uint8_t* descriptor = file.take(9);
        if (descriptor == nullptr) return truncated("inside the image descriptor");
        frame->left = little_endian_16(descriptor);
        frame->top = little_endian_16(descriptor + 2);
        frame->width = little_endian_16(descriptor + 4);
        frame->height = little_endian_16(descriptor + 6);
        const uint8_t image_flags = descriptor[8];
        frame->interlaced = (image_flags & 0x40) != 0;

        const uint8_t* table = &global[0][0];
        uint32_t table_size = global_size;
        if (image_flags & 0x80) {
            table_size = 2u << (image_flags & 7);
            table = file.take(3 * size_t{table_size});
            if (table == nullptr) return truncated("inside the local colour table");
        } else if (global_size == 0) {
            return corrupt("no colour table for the first image");
        }
        for (uint32_t i = 0; i < 256; ++i) {
            uint8_t* rgba = frame->rgba[i];
            if (i < table_size) std::memcpy(rgba, table + 3 * i, 3);
            rgba[3] = 255;  // past the table: opaque black
        }
        if (transparent >= 0) std::memset(frame->rgba[transparent], 0, 4);
        // Pixels the first frame does not draw: stb 2.27 gives them the background entry
        // of the global table, opaque, copied from its blue-green-red storage order (so
        // red and blue swapped), when the index is not 0; otherwise transparent black.
        if (background_index > 0) {
            const uint8_t* entry = global[background_index];
            const uint8_t swapped[4] = {entry[2], entry[1], entry[0], 255};
            std::memcpy(frame->rgba[256], swapped, 4);
        }

        uint8_t min_code_size = 0;
        if (!file.read(&min_code_size)) return truncated("before the image data");
        if (min_code_size < 2 || min_code_size > 8) {
            return corrupt("LZW minimum code size " + std::to_string(min_code_size) + " is not 2..8");
        }
        frame->min_code_size = min_code_size;
        frame->data_offset = file.position();
        return Status::ok();
    }

    // Whether screen row y of the crop holds pixels of the frame.
    bool needs_frame(uint32_t y) const { return inside_x1_ > inside_x0_ && y >= frame_top_ && y < frame_bottom_; }

    // Places decoded pixels until `rows_wanted` rows hold the crop's columns, the frame's
    // last pixel is placed, or the stream ends. `storage(row)` is where the crop's columns
    // of a frame row go, or nullptr. Every turn consumes a code or pixels or ends a row.
    template <typename Storage>
    Status fill(uint32_t rows_wanted, Storage storage) {
        FrameCursor& cursor = *cursor_;
        uint8_t* destination = cursor.complete() ? nullptr : storage(cursor.row());
        while (rows_filled_ < rows_wanted && !cursor.complete()) {
            if (cursor.room() == 0) {
                cursor.next_row();
                destination = cursor.complete() ? nullptr : storage(cursor.row());
                continue;
            }
            if (pending_count_ == 0) {
                if (lzw_->ended()) break;
                if (!lzw_->next(&pending_, &pending_count_) && !lzw_->ended()) return lzw_->error();
                continue;
            }
            const uint32_t column = cursor.column();
            const uint32_t take = static_cast<uint32_t>(std::min<size_t>(pending_count_, cursor.room()));
            if (destination != nullptr) {
                const uint32_t begin = std::max(column, crop_begin_), end = std::min(column + take, crop_end_);
                if (begin < end) std::memcpy(destination + (begin - crop_begin_), pending_ + (begin - column), end - begin);
                if (column < crop_end_ && column + take >= crop_end_) ++rows_filled_;
            }
            cursor.advance(take);
            pending_ += take;
            pending_count_ -= take;
        }
        return Status::ok();
    }

    // Row y from the crop's indices of its frame row (nullptr: none placed), of which the
    // first `columns_done` frame columns are placed; the rest shows the background.
    const uint8_t* compose(uint32_t y, const uint8_t* indices, uint32_t channels) {
        if (indices == nullptr) return background_row_.data();
        const uint32_t done_x1 = std::min(inside_x1_, frame_left_ + cursor_->columns_done(y - frame_top_));
        if (done_x1 <= inside_x0_) return background_row_.data();
        std::memcpy(row_.data(), background_row_.data(), row_.size());
        uint8_t* out = row_.data() + size_t{inside_x0_ - x0_} * channels;
        const size_t count = done_x1 - inside_x0_;
        switch (channels) {  // a constant size lets each copy be one move
            case 1:
                for (size_t i = 0; i < count; ++i) out[i] = colors_[indices[i]];
                break;
            case 3:
                for (size_t i = 0; i < count; ++i) std::memcpy(out + 3 * i, colors_ + 3 * size_t{indices[i]}, 3);
                break;
            default:
                for (size_t i = 0; i < count; ++i) std::memcpy(out + 4 * i, colors_ + 4 * size_t{indices[i]}, 4);
                break;
        }
        return row_.data();
    }

    // Rows arrive top-down: one row of indices is held, each requested row handed over as
    // soon as the crop's columns of it are decoded, and decoding stops there.
    Status stream_rows(const DecodeRequest& request, RowSink& sink) {
        std::vector<uint8_t> indices(inside_x1_ - inside_x0_);
        uint32_t wanted = 0;
        for (const uint32_t y : *request.rows) {
            if (!needs_frame(y)) {
                sink.row(y, background_row_.data());
                continue;
            }
            const uint32_t target = y - frame_top_;
            PARCROP_RETURN_IF_ERROR(
                fill(++wanted, [&](uint32_t row) { return row == target ? indices.data() : nullptr; }));
            sink.row(y, compose(y, indices.data(), request.channels));
        }
        return Status::ok();
    }

    // An interlaced frame finishes its first rows only in its last pass, so the requested
    // rows of the crop are held, as indices, until every one of them is decoded. A row is
    // allocated when the first pixel reaches it: memory follows the data, not the header.
    Status decode_interlaced(const DecodeRequest& request, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        // A crop whose columns miss the frame holds no row: every one shows the background.
        const auto first = std::lower_bound(rows.begin(), rows.end(), frame_top_);
        const auto last = inside_x1_ > inside_x0_ ? std::lower_bound(first, rows.end(), frame_bottom_) : first;
        const uint32_t held = static_cast<uint32_t>(last - first);
        const size_t row_bytes = inside_x1_ - inside_x0_;
        PARCROP_RETURN_IF_ERROR(check_decode_memory(
            uint64_t{held} * (row_bytes + sizeof(std::unique_ptr<uint8_t[]>)), "gif: the crop's interlaced rows",
            limits_));
        std::vector<std::unique_ptr<uint8_t[]>> band(held);
        const auto slot = [&](uint32_t row) -> std::unique_ptr<uint8_t[]>* {
            const auto found = std::lower_bound(first, last, frame_top_ + row);
            if (found == last || *found != frame_top_ + row) return nullptr;
            return &band[static_cast<size_t>(found - first)];
        };
        PARCROP_RETURN_IF_ERROR(fill(held, [&](uint32_t row) -> uint8_t* {
            std::unique_ptr<uint8_t[]>* held_row = slot(row);
            if (held_row == nullptr) return nullptr;
            held_row->reset(new uint8_t[row_bytes]());
            return held_row->get();
        }));
        for (const uint32_t y : rows) {
            if (!needs_frame(y)) {
                sink.row(y, background_row_.data());
                continue;
            }
            sink.row(y, compose(y, slot(y - frame_top_)->get(), request.channels));
        }
        return Status::ok();
    }

    const ByteSpan data_;
    const Limits limits_;
    uint32_t width_ = 0, height_ = 0;
    bool header_read_ = false;
    bool decode_started_ = false;

    // The crop against the frame: screen columns [inside_x0_, inside_x1_) are in both
    // (empty when the crop needs no frame pixel), frame columns [crop_begin_, crop_end_).
    uint32_t x0_ = 0, frame_left_ = 0, frame_top_ = 0, frame_bottom_ = 0;
    uint32_t inside_x0_ = 0, inside_x1_ = 0, crop_begin_ = 0, crop_end_ = 0;
    uint8_t colors_[257 * 4] = {};  // rgba of FirstFrame in the requested channels
    std::vector<uint8_t> background_row_, row_;

    std::unique_ptr<LzwStream> lzw_;
    std::unique_ptr<FrameCursor> cursor_;
    const uint8_t* pending_ = nullptr;  // decoded indices not yet placed
    size_t pending_count_ = 0;
    uint32_t rows_filled_ = 0;
};

}  // namespace

std::unique_ptr<Decoder> make_gif_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) GifDecoder(data, limits));
}

}  // namespace parcrop
