#include "decode/bmp/bmp_decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"
#include "decode/bmp/bmp_rle.h"

namespace parcrop {
namespace {

constexpr uint32_t kFileHeaderBytes = 14;
constexpr uint32_t kCoreHeaderBytes = 12;  // OS/2 1.x and Windows 2: 16-bit sizes
constexpr uint32_t kOs2HeaderBytes = 64;   // OS/2 2.x: its compressions 3 and 4 differ from Windows'

enum Compression : uint32_t {
    kRgb = 0,
    kRle8 = 1,
    kRle4 = 2,
    kBitfields = 3,
    kJpeg = 4,
    kPng = 5,
    kAlphaBitfields = 6,  // Windows CE: four masks after a 40-byte header
};

uint32_t le16(const uint8_t* p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8; }
uint32_t le24(const uint8_t* p) { return le16(p) | uint32_t{p[2]} << 16; }
uint32_t le32(const uint8_t* p) { return le24(p) | uint32_t{p[3]} << 24; }

Status truncated(const char* where) { return Status(PARCROP_E_TRUNCATED, std::string("bmp: data ends inside ") + where); }
Status corrupt(const std::string& what) { return Status(PARCROP_E_CORRUPT, "bmp: " + what); }
Status unsupported(const std::string& what) { return Status(PARCROP_E_UNSUPPORTED, "bmp: " + what); }

bool is_known_header_size(uint32_t size) {
    for (const uint32_t known : {12u, 40u, 52u, 56u, 64u, 108u, 124u}) {
        if (size == known) return true;
    }
    return false;
}

// One channel of a bit-field pixel. A field of any width is scaled to 8 bits as Pillow
// scales 5- and 6-bit fields, floor(v * 255 / max): 0 and max map to 0 and 255 exactly,
// an 8-bit field is taken as is, and Pillow's 16-bit decodes are matched byte for byte.
class BitField {
public:
    BitField() = default;
    explicit BitField(uint32_t mask) : mask_(mask) {
        if (mask == 0) return;
        while (((mask >> shift_) & 1) == 0) ++shift_;
        max_ = mask >> shift_;
    }
    bool present() const { return mask_ != 0; }
    uint8_t operator()(uint32_t pixel) const {
        if (mask_ == 0) return 0;
        const uint32_t value = (pixel & mask_) >> shift_;
        if (max_ == 255) return static_cast<uint8_t>(value);
        return static_cast<uint8_t>(uint64_t{value} * 255 / max_);
    }

private:
    uint32_t mask_ = 0;
    uint32_t shift_ = 0;
    uint32_t max_ = 0;
};

// How a row's bytes become pixels.
enum class PixelKind { indexed, bgr24, bgrx32, fields };

class BmpDecoder final : public Decoder {
public:
    BmpDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("bmp", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("bmp", [&] { return decode_unguarded(request, sink); });
    }

    Status describe(ImageTraits* traits) override {
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "bmp: describe before read_header");
        traits->channels = source_channels_;
        traits->has_alpha = alpha_.present();
        traits->interlaced = false;
        return Status::ok();
    }

private:
    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            PARCROP_RETURN_IF_ERROR(parse_headers());
            header_read_ = true;
        }
        header->width = width_;
        header->height = height_;
        header->format = ImageFormat::other;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status parse_headers() {
        const uint8_t* bytes = data_.data;
        if (bytes == nullptr || data_.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "bmp: no data");
        if (data_.size < kFileHeaderBytes + 4) return truncated("the header");
        if (bytes[0] != 'B' || bytes[1] != 'M') return corrupt("no BM signature");
        pixel_offset_ = le32(bytes + 10);
        header_size_ = le32(bytes + kFileHeaderBytes);
        if (!is_known_header_size(header_size_)) {
            return unsupported("unknown header size " + std::to_string(header_size_));
        }
        headers_end_ = uint64_t{kFileHeaderBytes} + header_size_;
        if (data_.size < headers_end_) return truncated("the header");
        const uint8_t* info = bytes + kFileHeaderBytes;

        uint32_t planes = 0, colors_used = 0;
        if (header_size_ == kCoreHeaderBytes) {
            width_ = le16(info + 4);
            height_ = le16(info + 6);
            planes = le16(info + 8);
            bits_ = le16(info + 10);
            compression_ = kRgb;
        } else {
            const int32_t width = static_cast<int32_t>(le32(info + 4));
            const int32_t height = static_cast<int32_t>(le32(info + 8));
            if (width < 0) return corrupt("negative width");
            width_ = static_cast<uint32_t>(width);
            top_down_ = height < 0;
            height_ = static_cast<uint32_t>(top_down_ ? -int64_t{height} : int64_t{height});
            planes = le16(info + 12);
            bits_ = le16(info + 14);
            compression_ = le32(info + 16);
            colors_used = le32(info + 32);
        }
        PARCROP_RETURN_IF_ERROR(check_dimensions(width_, height_, limits_));
        if (planes != 1) return corrupt(std::to_string(planes) + " planes, not 1");
        PARCROP_RETURN_IF_ERROR(choose_pixel_kind());
        PARCROP_RETURN_IF_ERROR(read_masks());
        // Below the headers, the palette would have a negative size (stb reads it anyway).
        if (pixel_offset_ < headers_end_) return corrupt("pixel data starts inside the headers");
        if (kind_ == PixelKind::indexed) {
            read_palette(colors_used);
        } else {
            source_channels_ = alpha_.present() ? 4 : 3;
        }
        return Status::ok();
    }

    Status choose_pixel_kind() {
        const std::string depth = std::to_string(bits_) + " bits per pixel";
        if (header_size_ == kOs2HeaderBytes && compression_ >= kBitfields) {
            return unsupported("OS/2 compression " + std::to_string(compression_));
        }
        switch (compression_) {
        case kRgb:
            switch (bits_) {
            case 1: case 2: case 4: case 8: kind_ = PixelKind::indexed; return Status::ok();
            case 16: kind_ = PixelKind::fields; return Status::ok();  // 5-5-5
            case 24: kind_ = PixelKind::bgr24; return Status::ok();
            case 32: kind_ = PixelKind::bgrx32; return Status::ok();  // the fourth byte is not alpha
            case 64: return unsupported(depth);
            default: return corrupt(depth);
            }
        case kRle8:
        case kRle4:
            if (bits_ != (compression_ == kRle8 ? 8u : 4u)) return corrupt("run-length data of " + depth);
            kind_ = PixelKind::indexed;
            return Status::ok();
        case kBitfields:
        case kAlphaBitfields:
            if (bits_ != 16 && bits_ != 24 && bits_ != 32) return corrupt("bit fields of " + depth);
            kind_ = PixelKind::fields;
            return Status::ok();
        case kJpeg:
        case kPng:
            return unsupported("embedded JPEG or PNG");
        default:
            return unsupported("compression " + std::to_string(compression_));
        }
    }

    // V2 and later headers hold the masks; a 40-byte header is followed by them.
    Status read_masks() {
        if (kind_ != PixelKind::fields) return Status::ok();
        uint32_t masks[4] = {0x7C00, 0x03E0, 0x001F, 0};  // BI_RGB's 16 bits
        if (compression_ == kBitfields || compression_ == kAlphaBitfields) {
            const uint8_t* at = data_.data + kFileHeaderBytes + 40;
            uint32_t count = 0;
            if (header_size_ >= 52) {
                count = header_size_ >= 56 ? 4 : 3;
            } else {
                count = compression_ == kAlphaBitfields ? 4 : 3;
                headers_end_ += 4 * count;
                if (data_.size < headers_end_) return truncated("the bit-field masks");
            }
            masks[3] = 0;
            for (uint32_t i = 0; i < count; ++i) masks[i] = le32(at + 4 * i);
        }
        red_ = BitField(masks[0]);
        green_ = BitField(masks[1]);
        blue_ = BitField(masks[2]);
        alpha_ = BitField(masks[3]);
        return Status::ok();
    }

    // As many entries as the header declares, as fit between the headers and the pixel
    // data (and the end of the file), and at most 256; the rest stay opaque black.
    void read_palette(uint32_t colors_used) {
        const bool core = header_size_ == kCoreHeaderBytes;
        const uint64_t entry_bytes = core ? 3 : 4;
        const uint64_t declared = core || colors_used == 0 ? uint64_t{1} << bits_ : colors_used;
        const uint64_t room_end = std::min<uint64_t>(pixel_offset_, data_.size);
        const uint64_t fits = (room_end - headers_end_) / entry_bytes;
        const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>({declared, fits, 256}));
        const uint8_t* entry = data_.data + headers_end_;
        bool gray = true;
        for (uint32_t i = 0; i < count; ++i, entry += entry_bytes) {
            palette_[3 * i] = entry[2];
            palette_[3 * i + 1] = entry[1];
            palette_[3 * i + 2] = entry[0];
            gray = gray && entry[0] == entry[1] && entry[1] == entry[2];
        }
        source_channels_ = gray ? 1 : 3;
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        PARCROP_RETURN_IF_ERROR(
            begin_full_scale_decode("bmp", header_read_, &decode_started_, request, width_, height_));
        if (compression_ == kRle8 || compression_ == kRle4) return decode_run_length(request, sink);
        return decode_rows(request, sink);
    }

    // Each requested row is read where it lies; none is touched before all are known to
    // be inside the data.
    Status decode_rows(const DecodeRequest& request, RowSink& sink) {
        const uint64_t stride = (uint64_t{width_} * bits_ + 31) / 32 * 4;
        const uint64_t needed = (uint64_t{request.x1} * bits_ + 7) / 8;  // bytes up to the crop's right edge
        for (const uint32_t y : *request.rows) {
            if (!row_present(file_row(y), stride, needed)) return truncated("the image");
        }
        RowWriter writer(request, source_channels_);
        for (const uint32_t y : *request.rows) {
            const uint8_t* row = data_.data + pixel_offset_ + file_row(y) * stride;
            unpack_row(row, request.x0, request.x1, writer.pixels());
            writer.deliver(y, sink);
        }
        return Status::ok();
    }

    // Rows are expanded one at a time from where the first pass found them to start, so
    // a bottom-up file costs a small index per row of the crop, not its pixels.
    Status decode_run_length(const DecodeRequest& request, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t first = static_cast<uint32_t>(std::min(file_row(rows.front()), file_row(rows.back())));
        const uint32_t last = static_cast<uint32_t>(std::max(file_row(rows.front()), file_row(rows.back())));
        PARCROP_RETURN_IF_ERROR(check_decode_memory(BmpRleReader::index_bytes(uint64_t{last - first} + 1),
                                                    "bmp: the run-length row index", limits_));
        const ByteSpan runs = pixel_offset_ <= data_.size
                                  ? ByteSpan{data_.data + pixel_offset_, static_cast<size_t>(data_.size - pixel_offset_)}
                                  : ByteSpan{data_.data, 0};
        BmpRleReader reader(runs, width_, height_, compression_ == kRle4);
        PARCROP_RETURN_IF_ERROR(reader.index_rows(first, last));

        const uint32_t crop_width = request.x1 - request.x0;
        std::vector<uint8_t> indices(crop_width);
        RowWriter writer(request, source_channels_);
        for (const uint32_t y : rows) {
            reader.read_row(static_cast<uint32_t>(file_row(y)), request.x0, request.x1, indices.data());
            look_up(indices.data(), crop_width, writer.pixels());
            writer.deliver(y, sink);
        }
        return Status::ok();
    }

    uint64_t file_row(uint32_t y) const { return top_down_ ? y : uint64_t{height_} - 1 - y; }

    // Whether the first `needed` bytes of the row are inside the data, without overflow.
    bool row_present(uint64_t row, uint64_t stride, uint64_t needed) const {
        if (pixel_offset_ > data_.size) return false;
        const uint64_t available = data_.size - pixel_offset_;
        return needed <= available && row <= (available - needed) / stride;
    }

    // Columns [x0, x1) of a file row, in the source layout (source_channels_).
    void unpack_row(const uint8_t* row, uint32_t x0, uint32_t x1, uint8_t* out) const {
        switch (kind_) {
        case PixelKind::indexed: {
            const uint32_t index_mask = (1u << bits_) - 1;
            for (uint32_t x = x0; x < x1; ++x) {
                const uint64_t bit = uint64_t{x} * bits_;
                const uint32_t shift = 8 - bits_ - static_cast<uint32_t>(bit & 7);  // leftmost pixel in the high bits
                out = put_entry((row[bit >> 3] >> shift) & index_mask, out);
            }
            return;
        }
        case PixelKind::bgr24:
        case PixelKind::bgrx32: {
            const size_t step = kind_ == PixelKind::bgr24 ? 3 : 4;
            for (const uint8_t* in = row + size_t{x0} * step; x0 < x1; ++x0, in += step, out += 3) {
                out[0] = in[2];
                out[1] = in[1];
                out[2] = in[0];
            }
            return;
        }
        case PixelKind::fields: {
            const size_t step = bits_ / 8;
            for (const uint8_t* in = row + size_t{x0} * step; x0 < x1; ++x0, in += step) {
                const uint32_t pixel = step == 2 ? le16(in) : step == 3 ? le24(in) : le32(in);
                *out++ = red_(pixel);
                *out++ = green_(pixel);
                *out++ = blue_(pixel);
                if (alpha_.present()) *out++ = alpha_(pixel);
            }
            return;
        }
        }
    }

    void look_up(const uint8_t* indices, uint32_t count, uint8_t* out) const {
        for (uint32_t i = 0; i < count; ++i) out = put_entry(indices[i], out);
    }

    uint8_t* put_entry(uint32_t index, uint8_t* out) const {
        const uint8_t* rgb = palette_ + 3 * index;
        if (source_channels_ == 1) {
            *out = rgb[0];
            return out + 1;
        }
        std::memcpy(out, rgb, 3);
        return out + 3;
    }

    // A crop row in the source layout, then in the requested one.
    class RowWriter {
    public:
        RowWriter(const DecodeRequest& request, uint32_t source_channels)
            : width_(request.x1 - request.x0), source_channels_(source_channels), channels_(request.channels),
              pixels_(size_t{width_} * source_channels),
              converted_(source_channels == channels_ ? 0 : size_t{width_} * channels_) {}
        uint8_t* pixels() { return pixels_.data(); }
        void deliver(uint32_t y, RowSink& sink) {
            if (source_channels_ == channels_) return sink.row(y, pixels_.data());
            convert_row(pixels_.data(), source_channels_, converted_.data(), channels_, width_);
            sink.row(y, converted_.data());
        }

    private:
        const uint32_t width_, source_channels_, channels_;
        std::vector<uint8_t> pixels_;
        std::vector<uint8_t> converted_;
    };

    const ByteSpan data_;
    const Limits limits_;
    uint32_t header_size_ = 0;
    uint64_t headers_end_ = 0;  // the file header, the info header and any masks after it
    uint64_t pixel_offset_ = 0;
    uint32_t width_ = 0, height_ = 0;
    bool top_down_ = false;
    uint32_t bits_ = 0;
    uint32_t compression_ = kRgb;
    PixelKind kind_ = PixelKind::indexed;
    BitField red_, green_, blue_, alpha_;
    uint8_t palette_[256 * 3] = {};  // RGB; every index of every depth lands inside
    uint32_t source_channels_ = 3;
    bool header_read_ = false;
    bool decode_started_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_bmp_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) BmpDecoder(data, limits));
}

}  // namespace parcrop
