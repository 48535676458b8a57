#include "decode/webp/webp_decoder.h"

#include <webp/decode.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

namespace parcrop {
namespace {

// Pixels beyond each side of a crop that its chroma upsampling reads (VP8's chroma is
// subsampled 2x; the fancy upsampler mixes the nearest two chroma samples).
constexpr uint32_t kChromaMargin = 2;

Status webp_failure(VP8StatusCode code, const char* during) {
    const std::string where = std::string("webp: ") + during;
    switch (code) {
        case VP8_STATUS_NOT_ENOUGH_DATA: return Status(PARCROP_E_TRUNCATED, where + ": data ends inside the image");
        case VP8_STATUS_UNSUPPORTED_FEATURE: return Status(PARCROP_E_UNSUPPORTED, where + ": an unsupported feature");
        case VP8_STATUS_OUT_OF_MEMORY: return Status(PARCROP_E_OUT_OF_MEMORY, where + ": no memory");
        default: return Status(PARCROP_E_CORRUPT, where + ": malformed data (libwebp status " +
                                                      std::to_string(static_cast<int>(code)) + ")");
    }
}

class WebpDecoder final : public Decoder {
public:
    WebpDecoder(ByteSpan data, const Limits& limits) : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("webp", [&] {
            WebPBitstreamFeatures features;
            const VP8StatusCode code = WebPGetFeatures(data_.data, data_.size, &features);
            if (code != VP8_STATUS_OK) return webp_failure(code, "header");
            if (features.has_animation) {
                return Status(PARCROP_E_UNSUPPORTED, "webp: animated files are not supported");
            }
            PARCROP_RETURN_IF_ERROR(check_dimensions(static_cast<uint32_t>(features.width),
                                                     static_cast<uint32_t>(features.height), limits_));
            width_ = static_cast<uint32_t>(features.width);
            height_ = static_cast<uint32_t>(features.height);
            has_alpha_ = features.has_alpha != 0;
            header->width = width_;
            header->height = height_;
            header->format = ImageFormat::other;
            header->max_scale_denom = 1;
            header_read_ = true;
            return Status::ok();
        });
    }

    Status describe(ImageTraits* traits) override {
        traits->channels = has_alpha_ ? 4 : 3;
        traits->has_alpha = has_alpha_;
        traits->interlaced = false;
        return Status::ok();
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("webp", [&] {
            PARCROP_RETURN_IF_ERROR(
                begin_full_scale_decode("webp", header_read_, &decode_started_, request, width_, height_));
            // libwebp upsamples chroma at a crop's edges as at the image's, and an odd
            // origin shifts the chroma grid: a rectangle grown by kChromaMargin on every
            // side, from even coordinates, gives the crop exactly the pixels of a full decode.
            const uint32_t left = (request.x0 > kChromaMargin ? request.x0 - kChromaMargin : 0) & ~1u;
            const uint32_t top = (request.rows->front() > kChromaMargin ? request.rows->front() - kChromaMargin : 0) & ~1u;
            const uint32_t right = std::min(width_, request.x1 + kChromaMargin);
            const uint32_t bottom = std::min(height_, request.rows->back() + 1 + kChromaMargin);
            const uint32_t crop_width = right - left;
            const uint32_t crop_height = bottom - top;
            const uint32_t channels = has_alpha_ ? 4 : 3;
            const uint64_t bytes = uint64_t{crop_width} * crop_height * channels;
            PARCROP_RETURN_IF_ERROR(check_decode_memory(bytes, "the crop's rectangle", limits_));
            std::vector<uint8_t> pixels(static_cast<size_t>(bytes));

            WebPDecoderConfig config;
            if (!WebPInitDecoderConfig(&config)) return Status(PARCROP_E_INTERNAL, "webp: library version mismatch");
            config.options.use_cropping = 1;
            config.options.crop_left = static_cast<int>(left);
            config.options.crop_top = static_cast<int>(top);
            config.options.crop_width = static_cast<int>(crop_width);
            config.options.crop_height = static_cast<int>(crop_height);
            config.output.colorspace = has_alpha_ ? MODE_RGBA : MODE_RGB;
            config.output.is_external_memory = 1;
            config.output.u.RGBA.rgba = pixels.data();
            config.output.u.RGBA.stride = static_cast<int>(crop_width * channels);
            config.output.u.RGBA.size = pixels.size();
            const VP8StatusCode code = WebPDecode(data_.data, data_.size, &config);
            WebPFreeDecBuffer(&config.output);
            if (code != VP8_STATUS_OK) return webp_failure(code, "image data");

            const uint32_t columns = request.x1 - request.x0;
            std::vector<uint8_t> converted(size_t{columns} * request.channels);
            for (const uint32_t y : *request.rows) {
                const uint8_t* row = pixels.data() + (size_t{y - top} * crop_width + (request.x0 - left)) * channels;
                if (channels == request.channels) {
                    sink.row(y, row);
                } else {
                    convert_row(row, channels, converted.data(), request.channels, columns);
                    sink.row(y, converted.data());
                }
            }
            return Status::ok();
        });
    }

private:
    const ByteSpan data_;
    const Limits limits_;
    uint32_t width_ = 0, height_ = 0;
    bool has_alpha_ = false;
    bool header_read_ = false;
    bool decode_started_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_webp_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) WebpDecoder(data, limits));
}

bool webp_recognizes(ByteSpan data) {
    return data.size >= 12 && std::memcmp(data.data, "RIFF", 4) == 0 && std::memcmp(data.data + 8, "WEBP", 4) == 0;
}

}  // namespace parcrop
